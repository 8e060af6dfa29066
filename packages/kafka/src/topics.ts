import { DEAD_LETTER_TOPIC, ISSUE_REQUEST_TOPIC } from "@dibs/contracts";
import type { Admin, ITopicConfig } from "kafkajs";
import type { Logger } from "./logger.ts";

export const PARTITIONS = 6;
const LEADERS_TIMEOUT_MS = 30_000;

/** Creates the issue request topic and its dead letter topic if missing, then waits until every partition has a leader. */
export async function ensureTopics(admin: Admin, log?: Logger): Promise<void> {
  const topics = [ISSUE_REQUEST_TOPIC, DEAD_LETTER_TOPIC];
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    const { brokers } = await admin.describeCluster();
    const replicationFactor = Math.min(3, brokers.length);
    // A write is acknowledged once two replicas have it, so losing one broker loses nothing.
    const configEntries = replicationFactor === 3 ? [{ name: "min.insync.replicas", value: "2" }] : [];
    const specs: ITopicConfig[] = missing.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor, configEntries }));
    // Another process may create them at the same moment; kafkajs answers false instead of failing then.
    const created = await admin.createTopics({ topics: specs, waitForLeaders: false });
    if (created) log?.info({ topics: missing, partitions: PARTITIONS, replicationFactor }, "created Kafka topics");
  }
  await waitForLeaders(admin, topics);
}

async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    const leaderless = await topicsWithoutLeaders(admin, topics);
    if (leaderless.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`Kafka topics ${leaderless.join(", ")} still lack partition leaders after ${LEADERS_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function topicsWithoutLeaders(admin: Admin, topics: string[]): Promise<string[]> {
  try {
    const metadata = await admin.fetchTopicMetadata({ topics });
    return metadata.topics.filter(({ partitions }) => partitions.length === 0 || partitions.some(({ leader }) => leader < 0)).map(({ name }) => name);
  } catch {
    // Right after creation the metadata may not know the topics yet.
    return topics;
  }
}
