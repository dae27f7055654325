'use strict';
// A real single-node Apache Kafka (KRaft, broker+controller in one JVM) for tests
// and the demo. Jars come from Maven Central, cached per version; runtime state
// (data, log, pid, properties) lives in <repo>/.kafka/<instance>/. See USAGE.
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..');
/** Newest patch release of each supported line; `KAFKA_VERSION=4.1.x` picks 4.1.2. */
const KNOWN_VERSIONS = { '3.9': '3.9.2', '4.1': '4.1.2' };
const DEFAULT_VERSION = '3.9.x';
const SASL_USERS = { alice: 'alice-secret', bob: 'bob-secret' };
const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
const STOP_TIMEOUT_MS = 30_000;

const USAGE = `Usage: scripts/kafka <command> [--sasl]

Runs a real single-node Apache Kafka (KRaft) on 127.0.0.1 for tests and the demo.

Commands:
  start      start the broker, or reuse the running one; waits until it answers
  stop       stop it (SIGTERM, then SIGKILL after ${STOP_TIMEOUT_MS / 1000} s)
  kill       kill it at once (SIGKILL, no clean shutdown), as a crash would: for fault tests
  status     exit 0 if it is running and answers, 1 otherwise
  classpath  resolve the jars and print the classpath, e.g. for
             java -cp "$(scripts/kafka classpath | tail -1)" kafka.admin.ConfigCommand ...

The last line printed on stdout by start and status is the bootstrap address
alone, so BROKERS=$(scripts/kafka start | tail -1) works; progress goes to stderr.

Options:
  --sasl     a second, separate instance (own ports and state) whose client
             listener is SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and
             SCRAM-SHA-512. Test users (every mechanism):
               ${Object.entries(SASL_USERS).map(([u, p]) => `${u} / ${p}`).join('\n               ')}
             Its inter-broker listener is PLAINTEXT on port+2 (loopback only,
             no authentication), handy for kafka.admin.ConfigCommand. It also
             has an SSL listener (TLS, no SASL) on port+3 with a self-signed
             certificate for 127.0.0.1 made by keytool at the first start;
             clients trust it with <state>/sasl/tls/ca.pem.
             Same as KAFKA_SASL=1.

Environment:
  KAFKA_VERSION          3.9.x (default), 4.1.x or an exact version such as 3.9.2;
                         the data directory is wiped when the version changes
  KAFKA_BROKERS          use this existing cluster: start/status print it, stop does nothing
  KAFKA_SASL_BROKERS     the same for the --sasl instance
  KAFKA_PORT             client port (default 19092; controller port+1)
  KAFKA_SASL_PORT        client port of the --sasl instance (default 19192; controller
                         port+1, inter-broker port+2, TLS port+3)
  KAFKA_HEAP_OPTS        JVM heap (default "-Xmx768m -Xms256m")
  KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 120)
  SLIPSTREAM_KAFKA_HOME  jar cache (default ~/.cache/slipstream-kafka/<version>/libs)
  SLIPSTREAM_KAFKA_STATE runtime state (default <repo>/.kafka/{plain,sasl})

Needs Java 17+ and Maven (only for the first download of a version).`;

// ---------------------------------------------------------------- settings

function log(message) {
  process.stderr.write(`kafka: ${message}\n`);
}

function resolveVersion(spec = process.env.KAFKA_VERSION || DEFAULT_VERSION) {
  const line = /^(\d+\.\d+)(?:\.x)?$/.exec(spec);
  if (line && KNOWN_VERSIONS[line[1]]) return KNOWN_VERSIONS[line[1]];
  if (/^\d+\.\d+\.\d+$/.test(spec)) return spec;
  throw new Error(`KAFKA_VERSION=${spec} is not understood: use ${Object.keys(KNOWN_VERSIONS).map((v) => `${v}.x`).join(', ')} or an exact version such as ${KNOWN_VERSIONS['3.9']}`);
}

function envInt(name, fallback) {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name}=${raw} is not a positive integer`);
  return value;
}

/**
 * @typedef {object} Instance
 * @property {string} name           'plain' or 'sasl'
 * @property {boolean} sasl
 * @property {string} version        exact Kafka version, e.g. 3.9.2
 * @property {string} host
 * @property {number} port           client listener
 * @property {number} controllerPort
 * @property {number} internalPort   inter-broker listener (the --sasl instance only)
 * @property {number} tlsPort        SSL client listener (the --sasl instance only)
 * @property {string | undefined} external  KAFKA_BROKERS / KAFKA_SASL_BROKERS when set
 * @property {string} dir            state directory
 */

/** @param {{ sasl?: boolean }} [options] @returns {Instance} */
function instance({ sasl = false } = {}) {
  const name = sasl ? 'sasl' : 'plain';
  const port = sasl ? envInt('KAFKA_SASL_PORT', 19192) : envInt('KAFKA_PORT', 19092);
  const stateRoot = process.env.SLIPSTREAM_KAFKA_STATE || path.join(REPO, '.kafka');
  return {
    name,
    sasl,
    version: resolveVersion(),
    host: '127.0.0.1',
    port,
    controllerPort: port + 1,
    internalPort: port + 2,
    tlsPort: port + 3,
    external: (sasl ? process.env.KAFKA_SASL_BROKERS : process.env.KAFKA_BROKERS) || undefined,
    dir: path.join(stateRoot, name),
  };
}

const files = (/** @type {Instance} */ inst) => ({
  data: path.join(inst.dir, 'data'),
  log: path.join(inst.dir, 'kafka.log'),
  pid: path.join(inst.dir, 'kafka.pid'),
  props: path.join(inst.dir, 'server.properties'),
  version: path.join(inst.dir, 'version'),
  clusterId: path.join(inst.dir, 'cluster-id'),
  lock: path.join(inst.dir, 'lock'),
  keystore: path.join(inst.dir, 'tls', 'broker.p12'),
  ca: path.join(inst.dir, 'tls', 'ca.pem'),
});

// Only guards a throwaway test certificate; clients get ca.pem, not the store.
const KEYSTORE_PASSWORD = 'slipstream-test';

const address = (/** @type {Instance} */ inst) => inst.external || `${inst.host}:${inst.port}`;

// ---------------------------------------------------------------- tools: java, maven, jars

function javaBinary() {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Fails clearly when Java is missing or too old for this Kafka version. */
function requireJava(version) {
  const java = javaBinary();
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`Java not found (${java}): install a JDK 17+ (Debian: apt-get install -y openjdk-17-jdk-headless) or set JAVA_HOME`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  const needed = Number(version.split('.')[0]) >= 4 ? 17 : 11;
  if (major < needed) throw new Error(`Kafka ${version} needs Java ${needed}+, found: ${result.stderr.split('\n')[0]}`);
}

function requireMaven() {
  if (spawnSync('mvn', ['-v'], { encoding: 'utf8' }).error) {
    throw new Error('Maven (mvn) not found: it downloads the Kafka jars once; install it (Debian: apt-get install -y maven)');
  }
}

function jarsDir(version) {
  const home = process.env.SLIPSTREAM_KAFKA_HOME || path.join(os.homedir(), '.cache', 'slipstream-kafka');
  return path.join(home, version, 'libs');
}

/** Downloads the jars of `version` once; returns the directory that holds them. */
function ensureJars(version) {
  const libs = jarsDir(version);
  // The directory appears only by an atomic rename, so the main jar marks it complete.
  if (fs.existsSync(path.join(libs, `kafka_2.13-${version}.jar`))) return libs;
  requireMaven();
  const dir = path.dirname(libs);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'pom.xml'), path.join(dir, 'pom.xml'));
  const partial = path.join(dir, `libs.partial-${process.pid}`);
  const profile = Number(version.split('.')[0]) >= 4 ? 'log4j2' : 'log4j1';
  log(`resolving the Kafka ${version} jars with Maven into ${libs} (once per version)`);
  const result = spawnSync('mvn', ['-q', '-B', '-f', path.join(dir, 'pom.xml'), `-Dkafka.version=${version}`,
    '-P', profile, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`], { encoding: 'utf8' });
  if (result.status !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw new Error(`Maven could not resolve org.apache.kafka:kafka_2.13:${version} (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  try {
    fs.renameSync(partial, libs);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true }); // another process won the race
    if (!fs.existsSync(libs)) throw err;
  }
  return libs;
}

/** JVM arguments shared by the broker and the command-line tools. */
function javaArgs(version) {
  const logConfig = Number(version.split('.')[0]) >= 4
    ? `-Dlog4j2.configurationFile=${path.join(__dirname, 'log4j2.properties')}`
    : `-Dlog4j.configuration=file:${path.join(__dirname, 'log4j.properties')}`;
  return [logConfig, '-cp', path.join(ensureJars(version), '*')];
}

// ---------------------------------------------------------------- configuration

/** @param {Instance} inst */
function serverProperties(inst) {
  const { host, port, controllerPort, internalPort, tlsPort } = inst;
  const listeners = inst.sasl
    ? { SASL_PLAINTEXT: port, INTERNAL: internalPort, SSL: tlsPort }
    : { PLAINTEXT: port };
  const props = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: [...Object.entries(listeners), ['CONTROLLER', controllerPort]].map(([n, p]) => `${n}://${host}:${p}`).join(','),
    'advertised.listeners': Object.entries(listeners).map(([n, p]) => `${n}://${host}:${p}`).join(','),
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
    'inter.broker.listener.name': inst.sasl ? 'INTERNAL' : 'PLAINTEXT',
    'log.dirs': files(inst).data,
    'num.partitions': 1,
    'auto.create.topics.enable': true,
    'group.initial.rebalance.delay.ms': 0,
    'offsets.topic.replication.factor': 1,
    // Fewer internal partitions than the default 50: a faster first group join, less disk.
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 10,
  };
  if (Number(inst.version.split('.')[0]) >= 4) props['share.coordinator.state.topic.replication.factor'] = 1;
  if (inst.sasl) Object.assign(props, saslProperties(), tlsProperties(inst));
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

function saslProperties() {
  const plainUsers = Object.entries(SASL_USERS).map(([u, p]) => `user_${u}="${p}"`).join(' ');
  return {
    'sasl.enabled.mechanisms': SASL_MECHANISMS.join(','),
    // PLAIN users live in the JAAS config; SCRAM users in the metadata log (see formatArgs).
    'listener.name.sasl_plaintext.plain.sasl.jaas.config':
      `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
  };
}

function tlsProperties(inst) {
  return {
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': files(inst).keystore,
    'ssl.keystore.password': KEYSTORE_PASSWORD,
    'ssl.key.password': KEYSTORE_PASSWORD,
  };
}

/** A self-signed certificate for 127.0.0.1 (made once per state directory) and its PEM for clients. */
function ensureCertificate(inst) {
  const f = files(inst);
  if (fs.existsSync(f.keystore) && fs.existsSync(f.ca)) return;
  fs.mkdirSync(path.dirname(f.keystore), { recursive: true });
  fs.rmSync(f.keystore, { force: true });
  const keytool = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'keytool') : 'keytool';
  const common = ['-keystore', f.keystore, '-storetype', 'PKCS12', '-storepass', KEYSTORE_PASSWORD, '-alias', 'broker'];
  const steps = [
    ['-genkeypair', ...common, '-keyalg', 'RSA', '-keysize', '2048', '-validity', '3650', '-keypass', KEYSTORE_PASSWORD,
      '-dname', 'CN=127.0.0.1, O=slipstream test broker', '-ext', 'SAN=ip:127.0.0.1,dns:localhost', '-ext', 'BC=ca:true'],
    ['-exportcert', '-rfc', ...common, '-file', f.ca],
  ];
  for (const args of steps) {
    const result = spawnSync(keytool, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`keytool ${args[0]} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
}

/**
 * The TLS listener of the local --sasl instance: its address and the CA
 * file that makes clients trust it; undefined for an external cluster.
 * @returns {{ brokers: string, ca: string } | undefined}
 */
function tlsEndpoint() {
  const inst = instance({ sasl: true });
  return inst.external ? undefined : { brokers: `${inst.host}:${inst.tlsPort}`, ca: files(inst).ca };
}

/**
 * kafkajs `sasl` option that the readiness check uses on the --sasl instance.
 * @returns {import('kafkajs').SASLOptions | undefined}
 */
function clientSasl(inst) {
  return inst.sasl ? { mechanism: 'plain', username: 'alice', password: SASL_USERS.alice } : undefined;
}

/** @param {Instance} inst */
function clusterId(inst) {
  const file = files(inst).clusterId;
  const stored = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (stored && !stored.startsWith('-')) return stored;
  // Like Kafka's own Uuid.randomUuid: an id that starts with '-' reads as an option to
  // kafka-storage's argument parser ("--cluster-id: expected one argument"), 1 in 64 ids.
  let id;
  do id = crypto.randomBytes(16).toString('base64url'); while (id.startsWith('-'));
  fs.writeFileSync(file, id + '\n');
  return id;
}

/** The Kafka version that formatted this instance's storage, if any. */
function formattedVersion(inst) {
  const file = files(inst).version;
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

/** Writes the properties and formats the storage once (and again after a version change). */
function prepareStorage(inst) {
  const f = files(inst);
  fs.mkdirSync(inst.dir, { recursive: true });
  const formattedWith = formattedVersion(inst);
  if (formattedWith && formattedWith !== inst.version) {
    log(`Kafka version changed (${formattedWith} -> ${inst.version}): wiping ${f.data}`);
    fs.rmSync(f.data, { recursive: true, force: true });
  }
  if (inst.sasl) ensureCertificate(inst);
  fs.writeFileSync(f.props, serverProperties(inst));
  if (fs.existsSync(path.join(f.data, 'meta.properties'))) return;
  const scram = inst.sasl
    ? Object.entries(SASL_USERS).flatMap(([u, p]) =>
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u},password=${p}]`]))
    : [];
  const args = [...javaArgs(inst.version), 'kafka.tools.StorageTool', 'format',
    '-t', clusterId(inst), '-c', f.props, '--ignore-formatted', ...scram];
  const result = spawnSync(javaBinary(), args, { encoding: 'utf8' });
  fs.appendFileSync(f.log, `${result.stdout}${result.stderr}`);
  if (result.status !== 0) {
    throw new Error(`formatting ${f.data} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  fs.writeFileSync(f.version, inst.version + '\n');
}

// ---------------------------------------------------------------- processes

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The pid of this instance's broker when it is running, else undefined. */
function brokerPid(inst) {
  const f = files(inst);
  const pid = fs.existsSync(f.pid) ? Number(fs.readFileSync(f.pid, 'utf8')) : NaN;
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  // Guard against a recycled pid: it must be our kafka.Kafka with our properties
  // (a zombie has an empty command line and counts as gone).
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(f.props) ? pid : undefined;
  } catch {
    return os.platform() === 'linux' ? undefined : pid;
  }
}

function portInUse(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** True when a kafkajs admin client can list topics. */
async function answers(inst, timeoutMs = 3000) {
  let kafkajs;
  try {
    kafkajs = require('kafkajs');
  } catch {
    throw new Error('kafkajs is not installed: run npm install first');
  }
  const kafka = new kafkajs.Kafka({
    clientId: 'slipstream-kafka-script',
    brokers: address(inst).split(','),
    sasl: clientSasl(inst),
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function lastLines(file, count = 30) {
  if (!fs.existsSync(file)) return '(no log written)';
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
}

/** Waits until the broker answers; fails early when its process has died. */
async function waitUntilReady(inst, pid) {
  const deadline = Date.now() + envInt('KAFKA_START_TIMEOUT', 120) * 1000;
  const log = files(inst).log;
  while (Date.now() < deadline) {
    if (brokerPid(inst) !== pid) {
      throw new Error(`the Kafka process (pid ${pid}) exited during start-up; last lines of ${log}:\n${lastLines(log)}`);
    }
    if (await answers(inst)) return;
    await sleep(500);
  }
  throw new Error(`Kafka did not answer on ${address(inst)} within ${envInt('KAFKA_START_TIMEOUT', 120)} s `
    + `(pid ${pid} left running; scripts/kafka stop${inst.sasl ? ' --sasl' : ''} ends it); last lines of ${log}:\n${lastLines(log)}`);
}

/** Serialises concurrent starts of one instance (e.g. two test runs at once). */
async function withLock(inst, fn) {
  const { lock } = files(inst);
  const deadline = Date.now() + envInt('KAFKA_START_TIMEOUT', 120) * 1000 + 60_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lock, 'utf8'));
      if (!isAlive(owner)) fs.rmSync(lock, { force: true }); // left by a killed start
      else if (Date.now() > deadline) throw new Error(`another start (pid ${owner}) holds ${lock}`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function launch(inst) {
  const f = files(inst);
  const heap = (process.env.KAFKA_HEAP_OPTS || '-Xmx768m -Xms256m').split(/\s+/).filter(Boolean);
  const args = [...heap, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true', `-Dkafka.logs.dir=${inst.dir}`, ...javaArgs(inst.version), 'kafka.Kafka', f.props];
  const out = fs.openSync(f.log, 'a');
  const child = spawn(javaBinary(), args, { cwd: inst.dir, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.unref();
  fs.writeFileSync(f.pid, `${child.pid}\n`);
  return child.pid;
}

// ---------------------------------------------------------------- commands

/**
 * Starts the broker or reuses the running one.
 * @param {{ sasl?: boolean }} [options]
 * @returns {Promise<{ brokers: string, pid?: number, log?: string, reused: boolean }>}
 */
async function start(options) {
  const inst = instance(options);
  if (inst.external) {
    log(`using the existing cluster ${inst.external} (${inst.sasl ? 'KAFKA_SASL_BROKERS' : 'KAFKA_BROKERS'})`);
    return { brokers: inst.external, reused: true };
  }
  requireJava(inst.version);
  fs.mkdirSync(inst.dir, { recursive: true });
  return withLock(inst, async () => {
    const f = files(inst);
    const running = brokerPid(inst);
    if (running) {
      const runningVersion = formattedVersion(inst);
      if (runningVersion !== inst.version) {
        throw new Error(`Kafka ${runningVersion} is running from ${inst.dir}; run scripts/kafka stop${inst.sasl ? ' --sasl' : ''} before switching to ${inst.version}`);
      }
      await waitUntilReady(inst, running);
      log(`reusing Kafka ${inst.version} (pid ${running}), logs: ${f.log}`);
      return { brokers: address(inst), pid: running, log: f.log, reused: true };
    }
    for (const port of [inst.port, inst.controllerPort, ...(inst.sasl ? [inst.internalPort, inst.tlsPort] : [])]) {
      if (await portInUse(inst.host, port)) {
        throw new Error(`port ${port} is already in use by another process: stop it or set ${inst.sasl ? 'KAFKA_SASL_PORT' : 'KAFKA_PORT'}`);
      }
    }
    const began = Date.now();
    if (fs.existsSync(f.log)) fs.renameSync(f.log, `${f.log}.1`); // keep the previous run's log
    prepareStorage(inst);
    const pid = launch(inst);
    log(`starting Kafka ${inst.version} (pid ${pid}), logs: ${f.log}`);
    await waitUntilReady(inst, pid);
    log(`ready on ${address(inst)} after ${((Date.now() - began) / 1000).toFixed(1)} s`);
    return { brokers: address(inst), pid, log: f.log, reused: false };
  });
}

/** @param {{ sasl?: boolean }} [options] */
async function stop(options) {
  const inst = instance(options);
  if (inst.external) {
    log(`${inst.external} is an existing cluster: not stopping it`);
    return;
  }
  const f = files(inst);
  const pid = brokerPid(inst);
  if (!pid) {
    fs.rmSync(f.pid, { force: true });
    log('not running');
    return;
  }
  const began = Date.now();
  process.kill(pid, 'SIGTERM');
  while (isAlive(pid) && Date.now() - began < STOP_TIMEOUT_MS) await sleep(200);
  if (isAlive(pid)) {
    log(`pid ${pid} still running after ${STOP_TIMEOUT_MS / 1000} s: SIGKILL`);
    process.kill(-pid, 'SIGKILL'); // its whole process group (it was started detached)
    while (isAlive(pid)) await sleep(100);
  }
  fs.rmSync(f.pid, { force: true });
  log(`stopped Kafka (pid ${pid}) in ${((Date.now() - began) / 1000).toFixed(1)} s`);
}

/** SIGKILL the broker (a crash: no clean shutdown), for fault tests. @param {{ sasl?: boolean }} [options] */
async function kill(options) {
  const inst = instance(options);
  if (inst.external) throw new Error(`${inst.external} is an existing cluster: not killing it`);
  const pid = brokerPid(inst);
  if (!pid) {
    log('not running');
    return;
  }
  process.kill(-pid, 'SIGKILL'); // its whole process group (it was started detached)
  while (isAlive(pid)) await sleep(50);
  fs.rmSync(files(inst).pid, { force: true });
  log(`killed Kafka (pid ${pid})`);
}

/** @param {{ sasl?: boolean }} [options] @returns {Promise<string | undefined>} the address when running */
async function status(options) {
  const inst = instance(options);
  if (inst.external) return inst.external;
  const pid = brokerPid(inst);
  if (!pid) {
    log('not running');
    return undefined;
  }
  if (!(await answers(inst))) {
    log(`pid ${pid} is running but does not answer on ${address(inst)} (starting?); logs: ${files(inst).log}`);
    return undefined;
  }
  log(`Kafka ${formattedVersion(inst)} running (pid ${pid}), logs: ${files(inst).log}`);
  return address(inst);
}

/** The Java classpath of the broker's jars (downloading them if needed). */
function classpath() {
  return path.join(ensureJars(resolveVersion()), '*');
}

module.exports = { USAGE, SASL_USERS, start, stop, kill, status, classpath, javaArgs, resolveVersion, requireMaven, tlsEndpoint, isAlive };
