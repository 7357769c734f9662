/**
 * The classifier as built (.js, no tsx): src/moderation is compiled with the project's tsc into a
 * temporary directory (with node_modules linked in), then a plain `node` child creates a
 * classifier there, which must find and start classifier-worker.js and classify a real frame.
 * Needs ffmpeg on PATH.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { NSFW_CLASSES } from '../../src/moderation/classes.js';
import { lavfiFrame, PROJECT_ROOT, SRC_MODERATION, tempDir } from './support.js';

const run = promisify(execFile);

test('built with tsc, the classifier starts its .js worker under plain node and classifies', { timeout: 240_000 }, async () => {
  const root = tempDir('built-moderation');
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  await run(
    path.join(PROJECT_ROOT, 'node_modules/.bin/tsc'),
    [
      '--ignoreConfig', '--outDir', path.join(root, 'dist'), '--rootDir', path.join(PROJECT_ROOT, 'src'),
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck',
      '--verbatimModuleSyntax', '--types', 'node',
      path.join(SRC_MODERATION, 'classifier.ts'), path.join(SRC_MODERATION, 'classifier-worker.ts'),
    ],
    { cwd: PROJECT_ROOT },
  );
  const built = path.join(root, 'dist/moderation');
  assert.ok(fs.existsSync(path.join(built, 'classifier-worker.js')));
  const framePath = path.join(root, 'testsrc.rgb');
  fs.writeFileSync(framePath, lavfiFrame('testsrc'));
  const script = `
    import fs from 'node:fs';
    import pino from 'pino';
    import { createClassifier } from './dist/moderation/classifier.js';
    const classifier = createClassifier({ modelCacheDir: ${JSON.stringify(path.join(root, 'models'))}, log: pino({ level: 'silent' }) });
    await classifier.ready;
    const scores = await classifier.classify('s', fs.readFileSync(${JSON.stringify(framePath)}));
    const { startup } = classifier.stats();
    await classifier.close();
    console.log(JSON.stringify({ scores, backend: startup.backend, source: startup.model.source, execArgv: process.execArgv }));
  `;
  // No --import tsx: only compiled JavaScript can run here.
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 180_000 });
  const result = JSON.parse(stdout.trim()) as { scores: Record<string, number>; backend: string; source: string; execArgv: string[] };
  assert.ok(!result.execArgv.some((flag) => flag.includes('tsx')), 'the child runs without tsx');
  assert.equal(result.backend, 'wasm');
  assert.equal(result.source, 'bundled');
  assert.deepEqual(Object.keys(result.scores), [...NSFW_CLASSES]);
  assert.ok(result.scores.Drawing! > 0.95, `Drawing = ${result.scores.Drawing}`);
  fs.rmSync(root, { recursive: true, force: true });
});
