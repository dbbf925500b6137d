/**
 * The reach check doctor runs against the APNs hosts, pointed at local servers: it answers
 * within its timeout whatever the network does, and says which step failed.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reach } from '../../src/adapters/network-reach.js';

let server: Server;
let openPort: number;
let closedPort: number;

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((socket) => socket.destroy());
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

beforeAll(async () => {
  server = await listen();
  openPort = portOf(server);
  // A port that was just free: nothing listens there now.
  const closing = await listen();
  closedPort = portOf(closing);
  await new Promise((resolve) => closing.close(resolve));
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const local = () => Promise.resolve({ address: '127.0.0.1' });

describe('reach', () => {
  it('connects to a listening server and says where and how fast', async () => {
    const result = await reach('api.push.apple.com', openPort, { timeoutMs: 2000, lookup: local });
    expect(result).toMatchObject({
      host: 'api.push.apple.com',
      port: openPort,
      outcome: 'connected',
      address: '127.0.0.1',
      code: null,
    });
  });

  it('resolves real names with the system resolver (localhost)', async () => {
    const result = await reach('localhost', openPort, { timeoutMs: 2000 });
    expect(['connected', 'refused']).toContain(result.outcome); // localhost may be ::1 first
    expect(result.address).not.toBeNull();
  });

  it('says "refused" for a port nobody listens on', async () => {
    const result = await reach('api.push.apple.com', closedPort, {
      timeoutMs: 2000,
      lookup: local,
    });
    expect(result).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('says "dns-failed" with the code when the name does not resolve', async () => {
    const result = await reach('api.push.apple.com', 443, {
      timeoutMs: 2000,
      lookup: () =>
        Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    });
    expect(result).toMatchObject({ outcome: 'dns-failed', code: 'ENOTFOUND', address: null });
  });

  it('never hangs: a resolver that never answers is a "dns-timeout" once the timeout passes', async () => {
    // The outcome names the timeout: reaching it at all is the proof (a hang meets the test's
    // own limit); how long it takes is not a test's business.
    const result = await reach('api.push.apple.com', 443, {
      timeoutMs: 300,
      lookup: () => new Promise(() => undefined),
    });
    expect(result.outcome).toBe('dns-timeout');
  });

  it('never hangs: an address that drops packets gives an answer within the timeout', async () => {
    // TEST-NET-1 goes nowhere: a timeout where packets are dropped, a refusal or no route where
    // a firewall answers (as in this sandbox); never a hang.
    const result = await reach('api.push.apple.com', 443, {
      timeoutMs: 300,
      lookup: () => Promise.resolve({ address: '192.0.2.1' }),
    });
    expect(['timeout', 'unreachable', 'refused', 'failed']).toContain(result.outcome);
  });
});
