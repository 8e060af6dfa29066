/** Where the end-to-end tests find the real services; each can be overridden from the environment. */
export const testEnv = {
  databaseUrl: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/dibs_test",
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379/1",
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9192").split(","),
  jwtSecret: "e2e-secret-e2e-secret-e2e-secret-0123456789",
  jwtIssuer: "dibs",
  requestIdSecret: "e2e-request-ids-e2e-request-ids-0123456789",
  lotterySecretKey: "e2e0".repeat(16),
  issuerGroupId: "dibs-e2e",
};
