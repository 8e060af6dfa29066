/** Counters read from dibs' own /metrics: the issuer's batches and the time spent on them, the API's Kafka sends. */
export interface IssuerCounters {
  batches: number;
  postgresSeconds: number;
  redisCalls: number;
  redisSeconds: number;
  sends: number;
  sentMessages: number;
  sendSeconds: number;
}

export interface IssuerBatches {
  batches: number;
  requestsPerBatch: number;
  postgresMsPerBatch: number;
  redisMsPerBatch: number;
  /** The API's Kafka sends (acks = all): how many messages each carried, how long its acknowledgement took. */
  messagesPerSend: number;
  ackMsPerSend: number;
}

export async function readIssuerCounters(issuerPort: number, apiUrl?: string): Promise<IssuerCounters> {
  const read = (url: string) =>
    fetch(url).then(
      (r) => r.text(),
      () => "",
    );
  const [issuer, api] = await Promise.all([read(`http://127.0.0.1:${issuerPort}/metrics`), apiUrl ? read(`${apiUrl}/metrics`) : ""]);
  const value = (text: string, series: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return Number(line?.slice(series.length + 1) ?? 0);
  };
  return {
    batches: value(issuer, 'dibs_issuer_db_transaction_duration_seconds_count{operation="record"}'),
    postgresSeconds: value(issuer, 'dibs_issuer_db_transaction_duration_seconds_sum{operation="record"}'),
    redisCalls: value(issuer, 'dibs_issuer_redis_script_duration_seconds_count{operation="decide"}'),
    redisSeconds: value(issuer, 'dibs_issuer_redis_script_duration_seconds_sum{operation="decide"}'),
    sends: value(api, "dibs_api_kafka_produce_batch_messages_count"),
    sentMessages: value(api, "dibs_api_kafka_produce_batch_messages_sum"),
    sendSeconds: value(api, 'dibs_api_kafka_produce_ack_duration_seconds_sum{outcome="acknowledged"}'),
  };
}

/** What the issuer did between two readings, for `requests` decisions. */
export function batchesBetween(before: IssuerCounters, after: IssuerCounters, requests: number): IssuerBatches {
  const batches = after.batches - before.batches;
  const per = (seconds: number, count: number) => (count > 0 ? Math.round((seconds / count) * 10_000) / 10 : 0);
  const sends = after.sends - before.sends;
  return {
    batches,
    requestsPerBatch: batches > 0 ? Math.round(requests / batches) : 0,
    postgresMsPerBatch: per(after.postgresSeconds - before.postgresSeconds, batches),
    redisMsPerBatch: per(after.redisSeconds - before.redisSeconds, after.redisCalls - before.redisCalls),
    messagesPerSend: sends > 0 ? Math.round((after.sentMessages - before.sentMessages) / sends) : 0,
    ackMsPerSend: per(after.sendSeconds - before.sendSeconds, sends),
  };
}
