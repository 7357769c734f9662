/**
 * PostgreSQL NOTIFY channels: config triggers (migration 3), enqueues and push ends
 * (push-commands.ts) send, the change feed listens.
 */
export const CHANNELS = { config: 'livehook_config', delivery: 'livehook_delivery', push: 'livehook_push' } as const;
