/** Version of @synod/sdk, printed in every error message (keep in step with package.json). */
export const version = '0.1.0';
