import { fork } from 'node:child_process';
import path from 'node:path';
import should from 'should';
import type { Report } from './fixtures/without-rocksdb';

/**
 * Where rocksdb-native has no prebuild (Alpine's musl, 32-bit ARM), the
 * nodes that use no store must still load and work. A child process gets
 * fixtures/hide-rocksdb-binary.js preloaded (`--require`), which makes the
 * prebuilt binary unresolvable: the one fault this machine cannot produce
 * for real. Everything else is real: the loader, Node-RED, the broker.
 */
function runWithoutRocksdb(): Promise<Report> {
  const fixtures = path.join(__dirname, 'fixtures');
  const child = fork(path.join(fixtures, 'without-rocksdb.js'), [], {
    execArgv: [...process.execArgv, '--require', path.join(fixtures, 'hide-rocksdb-binary.js')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: { report?: Report; error?: string }) =>
      message.report ? resolve(message.report) : reject(new Error(`child: ${message.error}`)),
    );
    child.on('exit', (code) => reject(new Error(`the child exited (${code}) without a report`)));
  });
}

describe('nodes without rocksdb-native (it cannot load on this platform)', function () {
  this.timeout(90_000);
  let report: Report;
  const unavailable = `RocksDB is not available on this platform: ${process.platform}-${process.arch}`;
  before(async () => {
    report = await runWithoutRocksdb();
  });

  it('a Cache rejects its open with an EngineUnavailableError naming the platform and what the loader said', () => {
    should(report.cacheError).match({
      name: 'EngineUnavailableError',
      platform: `${process.platform}-${process.arch}`,
      reason: /^Cannot find addon '\.' imported from .*rocksdb-native/,
    });
    should(report.cacheError.message.startsWith(`${unavailable} (rocksdb-native did not load: Cannot find addon`)).be.true();
  });

  it('the store users show it in red, and the store logs the whole error once', () => {
    for (const id of ['cache', 'bound', 'stored']) should(report.statuses[id]).eql({ fill: 'red', shape: 'ring', text: unavailable });
    const logged = report.logged.filter((text) => text.includes(unavailable));
    should(logged).have.length(1);
    should(logged[0]).match(/Candidates:/);
  });

  it('a message to a store user fails to Catch with the reason', () => {
    should(report.errors).have.length(1);
    should(report.errors[0]).match({ source: 'cache', message: /RocksDB is not available on this platform: .*Cannot find addon/ });
  });

  it('topic-out → topic-in → handle and a checkpoint without a store work', () => {
    should(report.streamed).eql([{ payload: 42 }]);
    should(report.dependent).eql([{ checkpoint: { downtime: null } }]);
    should(report.statuses.checkpoint).match({ fill: 'green', text: 'all dependencies up' });
    should(report.statuses.in).match({ fill: 'green' });
    should(report.statuses.double).be.undefined();
  });
});
