/**
 * Prints the worked-example blocks of docs/protocol.md as the code computes them, to paste after
 * an intended protocol change: `node packages/node/test/docs/printExamples.ts [name]`.
 */
import { createHash } from 'node:crypto';
import { workedExamples } from './workedExamples.ts';

const messageId = (topic: string, data: Uint8Array): Uint8Array =>
  new Uint8Array(
    createHash('sha256')
      .update(topic)
      .update(new Uint8Array([0]))
      .update(data)
      .digest(),
  ).slice(0, 20);

const { blocks } = await workedExamples(messageId);
for (const [name, text] of blocks) {
  if (process.argv[2] !== undefined && process.argv[2] !== name) continue;
  console.log(`<!-- worked-example: ${name} -->\n\`\`\`text\n${text}\n\`\`\`\n`);
}
