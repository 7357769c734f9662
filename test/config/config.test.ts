import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../../src/moderation/thresholds.js';
import { ConfigError, OPTIONS, envName, flagOf, loadConfig, type OptionName } from '../../src/config.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

test('defaults follow README, "Configuration"', () => {
  const config = loadConfig({}, {});
  assert.equal(config.httpPort, 8080);
  assert.equal(config.rtmpPort, 1935);
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.dataDir, path.resolve('./data'));
  assert.equal(config.databaseUrl, `sqlite:${path.resolve('./data/livehook.db')}`);
  assert.equal(config.publicUrl, undefined, 'no --public-url: livehook uses its own address once it listens');
  assert.equal(config.retrySchedule, 'tencent');
  assert.equal(config.allowPrivateCallbacks, false);
  assert.deepEqual(config.allowCallbackCidrs, []);
  assert.ok(Object.isFrozen(config));
});

test('environment variables are read, and flags win over them', () => {
  const env = { LIVEHOOK_HTTP_PORT: '9090', LIVEHOOK_RETRY_SCHEDULE: 'extended', LIVEHOOK_ALLOW_PRIVATE_CALLBACKS: 'true' };
  const fromEnv = loadConfig({}, env);
  assert.equal(fromEnv.httpPort, 9090);
  assert.equal(fromEnv.retrySchedule, 'extended');
  assert.equal(fromEnv.allowPrivateCallbacks, true);
  assert.equal(loadConfig({ httpPort: '7070' }, env).httpPort, 7070);
  assert.deepEqual(loadConfig({ allowCallbackCidrs: '10.0.0.0/8, 192.168.1.0/24' }, {}).allowCallbackCidrs, ['10.0.0.0/8', '192.168.1.0/24']);
  assert.equal(loadConfig({ publicUrl: 'https://live.example.com/' }, {}).publicUrl, 'https://live.example.com');
});

const BAD_VALUES: Array<[OptionName, unknown]> = [
  ['httpPort', 'abc'],
  ['httpPort', '70000'],
  ['rtmpPort', '-1'],
  ['retrySchedule', 'weekly'],
  ['publicUrl', 'ftp://x'],
  ['allowPrivateCallbacks', 'maybe'],
  ['allowCallbackCidrs', 'not-a-cidr'],
  ['callbackTimeoutMs', '0'],
  ['logLevel', 'loud'],
  ['hookToken', 'short'],
  ['databaseUrl', 'mysql://x'],
  ['moderationThresholds', '{not json'],
  ['moderationThresholds', '{"block":{"Porn":2},"review":{}}'],
  ['moderationWorkers', '0'],
];

test('--moderation-thresholds: JSON in, validated thresholds out; the default is the built-in table', () => {
  assert.deepEqual(loadConfig({ moderationThresholds: '{"block":{},"review":{"Sexy":0.1}}' }, {}).moderationThresholds, { block: {}, review: { Sexy: 0.1 } });
  assert.deepEqual(loadConfig({}, {}).moderationThresholds, DEFAULT_THRESHOLDS);
});

for (const [name, value] of BAD_VALUES) {
  test(`a bad --${OPTIONS[name].flag} is one line naming the flag and its env var`, () => {
    assert.throws(
      () => loadConfig({ [name]: value }, {}),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, new RegExp(`--${OPTIONS[name].flag} \\(${envName(name)}\\)`));
        assert.doesNotMatch(error.message, /\n/);
        return true;
      },
    );
  });
}

test('roles are on unless --no-ingest / --no-delivery (or LIVEHOOK_INGEST / LIVEHOOK_DELIVERY=false) turn them off', () => {
  assert.deepEqual([loadConfig({}, {}).ingest, loadConfig({}, {}).delivery], [true, true]);
  assert.deepEqual([flagOf('ingest'), envName('ingest'), flagOf('delivery'), envName('delivery')], ['--no-ingest', 'LIVEHOOK_INGEST', '--no-delivery', 'LIVEHOOK_DELIVERY']);
  const off = loadConfig({ ingest: false }, { LIVEHOOK_DELIVERY: 'false' });
  assert.deepEqual([off.ingest, off.delivery], [false, false]);
  assert.equal(loadConfig({ delivery: true }, { LIVEHOOK_DELIVERY: 'false' }).delivery, true, 'a flag wins over the environment');
});

test('README documents every flag and its environment variable', () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    assert.ok(readme.includes(`| \`${flagOf(name)}\` | \`${envName(name)}\` |`), `README lacks ${flagOf(name)}`);
  }
});
