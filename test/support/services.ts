import net from 'node:net';

/**
 * Whether a local service answers on 127.0.0.1:port. Tests of the PostgreSQL and Redis parts use the
 * real services; outside CI they may skip (with a printed reason) when the service is absent, under
 * CI=true they must run.
 */
export async function serviceAvailable(port: number, name: string): Promise<boolean> {
  const up = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
  if (!up && process.env.CI === 'true') {
    throw new Error(`${name} on 127.0.0.1:${port} is required under CI=true but is not reachable`);
  }
  if (!up) console.warn(`skipping ${name} tests: nothing answers on 127.0.0.1:${port}`);
  return up;
}
