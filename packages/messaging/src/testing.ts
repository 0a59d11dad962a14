import { connect } from "@nats-io/transport-node";
import { randomBytes } from "node:crypto";

export const TEST_NATS_URL = process.env.AUTOML_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** Whether the real NATS answers; under CI (CI=true) its absence is a failure, never a skip. */
export async function natsAvailable(url = TEST_NATS_URL): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 2_000 });
    await nc.close();
    return true;
  } catch (err) {
    if (process.env.CI === "true") throw new Error(`NATS is required under CI: ${(err as Error).message}`);
    return false;
  }
}

/** A stream name and subject prefix of its own for one test file. */
export function uniqueStreamNames(): { stream: string; subjectPrefix: string } {
  const id = randomBytes(5).toString("hex");
  return { stream: `AUTOML_TEST_${id}`, subjectPrefix: `automltest${id}` };
}
