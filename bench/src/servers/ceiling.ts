import Fastify, { type FastifyInstance } from "fastify";

const ANSWER = { requestId: "00000000-0000-7000-8000-000000000000", status: "PENDING" };

/** The same route doing no work: no token, no lookup, no write. What HTTP alone costs on this machine. */
export async function buildCeilingApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.post("/coupons/:couponId/issue", async (_request, reply) => reply.code(202).header("location", `/issue-requests/${ANSWER.requestId}`).send(ANSWER));
  app.get("/readyz", async () => ({ status: "ready" }));
  return app;
}
