/** PostgreSQL NOTIFY channels: config triggers (migration 3) and enqueues send, the change feed listens. */
export const CHANNELS = { config: 'livehook_config', delivery: 'livehook_delivery' } as const;
