import { CONFIG_KEYS, CONFIG_SECTIONS, type ConfigSectionName } from './schema.ts';

/**
 * The config reference as Markdown, generated from the schema. docs/operations.md embeds it
 * between the markers below; a test fails when the two differ, and
 * `node src/config/reference.ts` prints it for pasting.
 */
export const REFERENCE_BEGIN_MARKER =
  '<!-- config-reference:begin (generated from packages/node/src/config/schema.ts) -->';
export const REFERENCE_END_MARKER = '<!-- config-reference:end -->';

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('\n', ' ');
}

export function renderConfigReference(): string {
  const lines: string[] = [];
  let section = '';
  for (const key of CONFIG_KEYS) {
    if (key.section !== section) {
      section = key.section;
      if (lines.length > 0) lines.push('');
      lines.push(`#### \`${section}\` — ${CONFIG_SECTIONS[section as ConfigSectionName]}`, '');
      lines.push('| key | type | default | env | meaning |', '|---|---|---|---|---|');
    }
    lines.push(
      `| \`${key.key}\` | ${cell(key.field.type)} | \`${cell(JSON.stringify(key.field.default))}\` | \`${key.envName}\` | ${cell(key.field.description)} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.main) {
  console.log(`${REFERENCE_BEGIN_MARKER}\n${renderConfigReference()}\n${REFERENCE_END_MARKER}`);
}
