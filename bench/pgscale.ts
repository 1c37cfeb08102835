/**
 * PostgreSQL's own scaling from 1 to 2 clients on this machine, same run: each client commits
 * single-row insert transactions in a loop for a fixed time. The gateways' 2/1 ratio is read
 * against this one (on 2 shared cores neither can reach 2.0).
 */
import pg from 'pg';

async function txPerSecond(url: string, clients: number, seconds: number): Promise<number> {
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  try {
    const until = Date.now() + seconds * 1000;
    const started = Date.now();
    const counts = await Promise.all(
      conns.map(async (c) => {
        let n = 0;
        while (Date.now() < until) {
          await c.query('BEGIN');
          await c.query('INSERT INTO scale (payload) VALUES ($1)', ['x'.repeat(200)]);
          await c.query('COMMIT');
          n++;
        }
        return n;
      }),
    );
    return counts.reduce((a, b) => a + b, 0) / ((Date.now() - started) / 1000);
  } finally {
    await Promise.all(conns.map((c) => c.end()));
  }
}

export async function postgresScaling(url: string, seconds: number): Promise<{ one: number; two: number; ratio: number }> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query('CREATE TABLE IF NOT EXISTS scale (id bigserial PRIMARY KEY, payload text, at timestamptz DEFAULT now())');
  await setup.end();
  const one = await txPerSecond(url, 1, seconds);
  const two = await txPerSecond(url, 2, seconds);
  return { one, two, ratio: two / one };
}
