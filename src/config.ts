/**
 * Configuration: command-line flags and `LIVEHOOK_*` environment variables become one validated,
 * frozen config object. The option table below is the single source of truth: the CLI builds its
 * flags from it and a test checks README's settings table against it.
 */
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_THRESHOLDS, validateThresholds, type ModerationThresholds } from './moderation/thresholds.js';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const positiveInt = z.coerce.number().int().min(1);
const cidrList = z
  .string()
  .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'expected CIDRs like 10.0.0.0/8')));
/** Proxy addresses: IPs or CIDRs, comma-separated; `/0` is refused (it would believe any client). */
const proxyList = z
  .string()
  .transform((s) => s.split(',').map((a) => a.trim()).filter(Boolean))
  .pipe(
    z.array(
      z
        .union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'expected addresses or CIDRs like 10.0.0.1 or 10.0.0.0/8' })
        .refine((a) => !a.endsWith('/0'), 'a /0 range would believe X-Forwarded-For from any client'),
    ),
  );

const thresholdsJson = z.string().transform((raw, ctx) => {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected JSON like {"block":{"Porn":0.8},"review":{"Porn":0.5}}' });
    return z.NEVER;
  }
  const problems = validateThresholds(value);
  if (problems.length > 0) {
    ctx.addIssue({ code: 'custom', message: problems.join('; ') });
    return z.NEVER;
  }
  return value as ModerationThresholds;
});

/** One entry per option: flag name (kebab-case), its schema, default and help text. */
export const OPTIONS = {
  dataDir: { flag: 'data-dir', schema: z.string().min(1), default: './data', help: 'Directory for the SQLite database and media files' },
  host: { flag: 'host', schema: z.string().min(1), default: '0.0.0.0', help: 'Address the HTTP and RTMP servers listen on' },
  httpPort: { flag: 'http-port', schema: port, default: 8080, help: 'HTTP port: API, console, hooks, files, metrics (0 = any free port)' },
  rtmpPort: { flag: 'rtmp-port', schema: port, default: 1935, help: 'Embedded RTMP ingest port (0 = any free port)' },
  databaseUrl: { flag: 'database-url', schema: z.string().optional(), default: undefined, help: 'Default: SQLite file <data-dir>/livehook.db; postgres://… selects PostgreSQL' },
  publicUrl: { flag: 'public-url', schema: z.url({ protocol: /^https?$/ }).optional(), default: undefined, help: 'Base URL for file links in callbacks (default http://<host>:<http-port>)' },
  allowPrivateCallbacks: { flag: 'allow-private-callbacks', schema: bool, default: false, help: 'Let callbacks reach loopback/private/link-local addresses (weakens the SSRF guard)' },
  allowCallbackCidrs: { flag: 'allow-callback-cidrs', schema: cidrList, default: '', help: 'Comma-separated CIDRs that callbacks may reach despite the SSRF guard' },
  retrySchedule: { flag: 'retry-schedule', schema: z.enum(['tencent', 'extended']), default: 'tencent', help: 'Callback retry schedule: tencent (12 × 1 min) or extended (5 s … 10 h)' },
  callbackTimeoutMs: { flag: 'callback-timeout-ms', schema: positiveInt, default: 20000, help: 'Time a receiver has to answer a callback' },
  callbackConcurrencyPerHost: { flag: 'callback-concurrency-per-host', schema: positiveInt, default: 16, help: 'Callbacks in flight at once to one receiver host' },
  callbackSenderThread: { flag: 'callback-sender-thread', schema: bool, default: false, help: 'Sign and post callbacks on a thread of their own: frees the event loop when it is the bottleneck and a core is idle, at some CPU and latency per callback' },
  eventRetentionDays: { flag: 'event-retention-days', schema: z.coerce.number().positive(), default: 7, help: 'How long finished events and their attempts stay in the log' },
  fileRetentionDays: { flag: 'file-retention-days', schema: z.coerce.number().positive(), default: 7, help: 'How long screenshots and recordings are kept in the data dir' },
  retryDelayScale: { flag: 'retry-delay-scale', schema: z.coerce.number().positive().max(1), default: 1, help: 'Multiplies every retry delay; below 1 only for tests and demos' },
  moderationThresholds: { flag: 'moderation-thresholds', schema: thresholdsJson, default: JSON.stringify(DEFAULT_THRESHOLDS), help: 'Porn detection: per-class probabilities (0–1) at which a screenshot is Block or Review, as JSON' },
  moderationSendAll: { flag: 'moderation-send-all', schema: bool, default: false, help: 'Porn detection: send event 317 for every screenshot, Pass included' },
  moderationWorkers: { flag: 'moderation-workers', schema: z.coerce.number().int().min(1).max(8), default: 1, help: 'Porn detection: classifier worker threads (~75 ms per screenshot each)' },
  hookToken: { flag: 'hook-token', schema: z.string().min(16).optional(), default: undefined, help: 'Token media-server hooks must present (default: generated on first start)' },
  logLevel: { flag: 'log-level', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', help: 'Log level' },
  shutdownTimeoutMs: { flag: 'shutdown-timeout-ms', schema: positiveInt, default: 10000, help: 'How long SIGTERM waits for in-flight work before exiting' },
  trustProxy: { flag: 'trust-proxy', schema: proxyList, default: '', help: 'Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For/-Proto/-Host is believed (default: none)' },
  apiReplayGuard: { flag: 'api-replay-guard', schema: bool, default: true, help: 'Refuse a state-changing TC3 API request whose exact signature was already accepted within its 300 s window' },
  ffmpegPath: { flag: 'ffmpeg-path', schema: z.string().min(1), default: 'ffmpeg', help: 'The ffmpeg binary (screenshots, porn detection, recording); a bare name is looked up on PATH' },
  ffprobePath: { flag: 'ffprobe-path', schema: z.string().min(1), default: 'ffprobe', help: 'The ffprobe binary (size and duration of recordings that media-server hooks report); a bare name is looked up on PATH' },
  instanceLeaseMs: { flag: 'instance-lease-ms', schema: z.coerce.number().int().min(1000), default: 30000, help: 'Instance lease: an instance silent this long is taken for dead and its pushes are ended by a survivor (renewed every lease/6, at most 5 s)' },
  maxUnstoredEvents: { flag: 'max-unstored-events', schema: positiveInt, default: 10000, help: 'Events kept in memory while the store refuses writes (disk full, database down); beyond it new events are refused' },
  streamHistoryDays: { flag: 'stream-history-days', schema: z.coerce.number().positive(), default: 60, help: 'How long ended push sessions stay as stream history (DescribeLiveStreamEventList, …PublishedList)' },
  rtmpMaxConnections: { flag: 'rtmp-max-connections', schema: positiveInt, default: 2000, help: 'Embedded RTMP ingest: connections open at once, in all (more are closed at once)' },
  rtmpMaxConnectionsPerIp: { flag: 'rtmp-max-connections-per-ip', schema: positiveInt, default: 200, help: 'Embedded RTMP ingest: connections open at once from one client address' },
  rtmpHandshakeTimeoutMs: { flag: 'rtmp-handshake-timeout-ms', schema: positiveInt, default: 5000, help: 'Embedded RTMP ingest: time a client has to finish the RTMP handshake' },
  rtmpSetupTimeoutMs: { flag: 'rtmp-setup-timeout-ms', schema: positiveInt, default: 10000, help: 'Embedded RTMP ingest: time a client has from connecting to publish or play' },
  rtmpIdleTimeoutMs: { flag: 'rtmp-idle-timeout-ms', schema: positiveInt, default: 20000, help: 'Embedded RTMP ingest: a publisher that sends no audio, video or data message this long is ended (errcode 8)' },
  // Roles (README, "Roles"): on unless turned off, so their flags are --no-ingest and --no-delivery.
  ingest: { flag: 'ingest', negatable: true, schema: bool, default: true, help: 'Role: the embedded RTMP ingest and the media-server hook routes; --no-ingest runs without both (API, console and delivery only)' },
  delivery: { flag: 'delivery', negatable: true, schema: bool, default: true, help: 'Role: deliver callbacks (dispatcher, retention sweeps); --no-delivery only stores events for other instances to deliver (PostgreSQL only)' },
} as const;

type Options = typeof OPTIONS;
export type OptionName = keyof Options;

export type Config = Readonly<{
  [K in OptionName]: z.output<Options[K]['schema']>;
}> & {
  /** Resolved absolute data directory. */
  readonly dataDir: string;
  /** Resolved database URL: `sqlite:<file>` or `postgres://…`. */
  readonly databaseUrl: string;
  /** --public-url without a trailing slash; undefined = the HTTP server's own address, which is
   *  only known once it listens (with --http-port 0). */
  readonly publicUrl: string | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `httpPort` → `LIVEHOOK_HTTP_PORT`; `ingest` → `LIVEHOOK_INGEST` (false turns the role off). */
export const envName = (name: OptionName): string =>
  'LIVEHOOK_' + OPTIONS[name].flag.replaceAll('-', '_').toUpperCase();

/** The flag as typed: `--http-port`; an option on by default that a bare flag turns off: `--no-ingest`. */
export function flagOf(name: OptionName): string {
  const option = OPTIONS[name];
  return 'negatable' in option ? `--no-${option.flag}` : `--${option.flag}`;
}

/**
 * Build the config from parsed flags (camelCase keys, as commander gives them) and the
 * environment. Flags win over env, env over defaults. Throws ConfigError with a one-line message
 * naming the flag on the first bad value.
 */
export function loadConfig(
  flags: Partial<Record<OptionName, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const option = OPTIONS[name];
    const raw = flags[name] ?? env[envName(name)] ?? option.default;
    const parsed = option.schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'invalid value';
      throw new ConfigError(
        `invalid ${flagOf(name)} (${envName(name)}): ${reason} (got ${JSON.stringify(raw)})`,
      );
    }
    out[name] = parsed.data;
  }
  const dataDir = path.resolve(out.dataDir as string);
  const databaseUrl =
    (out.databaseUrl as string | undefined) ?? `sqlite:${path.join(dataDir, 'livehook.db')}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError(
      `invalid --database-url (${envName('databaseUrl')}): expected sqlite:<file> or postgres://… (got ${JSON.stringify(databaseUrl)})`,
    );
  }
  const publicUrl = (out.publicUrl as string | undefined)?.replace(/\/+$/, '');
  return Object.freeze({ ...out, dataDir, databaseUrl, publicUrl }) as Config;
}

/**
 * Settings valid one by one that livehook cannot run with together. Checked when the service
 * starts, not by loadConfig (the management sub-commands read the same settings); the CLI prints
 * the message as one line and exits 1.
 */
export class StartupRefusal extends Error {
  override name = 'StartupRefusal';
}

/** Refuses a role that would leave work nobody can do (README, "Roles"). */
export function refuseUnservedRoles(config: Config): void {
  if (!config.delivery && config.databaseUrl.startsWith('sqlite:')) {
    throw new StartupRefusal(
      `${flagOf('delivery')} (${envName('delivery')}=false) needs PostgreSQL: nothing else could deliver the events stored in the SQLite database ${config.databaseUrl.slice('sqlite:'.length)}`,
    );
  }
}

/**
 * Settings read only on the first start with an empty store, to create the default account, its
 * API key and the console admin. Environment only, no flags: a secret on a command line is
 * visible to every user of the machine. Each one unset = livehook's default or a generated value.
 */
export const FIRST_START_ENV = {
  appId: { env: 'LIVEHOOK_APPID', help: 'AppId of the default account (default 1250000000)' },
  secretId: { env: 'LIVEHOOK_SECRET_ID', help: 'SecretId of its API key (default: generated and printed once)' },
  secretKey: { env: 'LIVEHOOK_SECRET_KEY', help: 'SecretKey of its API key (default: generated and printed once)' },
  adminPassword: { env: 'LIVEHOOK_ADMIN_PASSWORD', help: 'Password of the console user `admin` (default: generated and printed once)' },
} as const;

export interface FirstStartSettings {
  readonly appId: number | undefined;
  readonly secretId: string | undefined;
  readonly secretKey: string | undefined;
  readonly adminPassword: string | undefined;
}

/** The first-start settings from the environment; throws ConfigError naming a bad one. */
export function loadFirstStartSettings(env: NodeJS.ProcessEnv): FirstStartSettings {
  const value = (name: keyof typeof FIRST_START_ENV): string | undefined => env[FIRST_START_ENV[name].env] || undefined;
  const rawAppId = value('appId');
  const appId = rawAppId === undefined ? undefined : Number(rawAppId);
  if (appId !== undefined && (!Number.isSafeInteger(appId) || appId <= 0)) {
    throw new ConfigError(`invalid ${FIRST_START_ENV.appId.env}: expected a positive integer (got ${JSON.stringify(rawAppId)})`);
  }
  return { appId, secretId: value('secretId'), secretKey: value('secretKey'), adminPassword: value('adminPassword') };
}
