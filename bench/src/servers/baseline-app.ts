import { randomUUID } from "node:crypto";
import { authPlugin } from "@dibs/api/auth";
import { errorsPlugin } from "@dibs/api/errors";
import Fastify, { type FastifyInstance } from "fastify";
import pg from "pg";

export interface IssueAsk {
  requestId: string;
  couponId: string;
  userId: string;
  acceptedAt: Date;
}

/** What the route answers: 202 with the decision if the strategy knows it already, PENDING if it will know later. */
export type IssueAnswer = { status: 202; decision: string } | { status: 404 | 409 | 503; code: string };

/** One of the seed report's designs, behind the same routes as dibs. */
export interface IssueStrategy {
  issue(ask: IssueAsk): Promise<IssueAnswer>;
  close(): Promise<void>;
}

export interface BaselineAppOptions {
  jwtSecret: string;
  jwtIssuer: string;
  databaseUrl: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The dibs routes and auth (the API's own plugin), with a baseline strategy doing the issuing. */
export async function buildBaselineApp(strategy: IssueStrategy, options: BaselineAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  // The API's auth plugin answers its refusals through the errors plugin, which it names as a dependency.
  await app.register(errorsPlugin);
  await app.register(authPlugin, { algorithm: "HS256", key: options.jwtSecret, issuer: options.jwtIssuer });
  const statusReader = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });

  app.post<{ Params: { couponId: string } }>("/coupons/:couponId/issue", { onRequest: app.authenticate }, async (request, reply) => {
    const { couponId } = request.params;
    if (!UUID.test(couponId)) return reply.code(400).send({ code: "VALIDATION_FAILED", message: "couponId must be a UUID" });
    const requestId = randomUUID();
    const answer = await strategy.issue({ requestId, couponId, userId: request.caller.userId, acceptedAt: new Date() });
    if (answer.status !== 202) return reply.code(answer.status).send({ code: answer.code, message: answer.code });
    return reply.code(202).header("location", `/issue-requests/${requestId}`).send({ requestId, status: answer.decision });
  });

  app.get<{ Params: { requestId: string } }>("/issue-requests/:requestId", { onRequest: app.authenticate }, async (request, reply) => {
    const { requestId } = request.params;
    if (!UUID.test(requestId)) return reply.code(400).send({ code: "VALIDATION_FAILED", message: "requestId must be a UUID" });
    const { rows } = await statusReader.query<{ user_id: string; decision: string }>(
      "SELECT user_id, decision::text FROM issue_decision WHERE request_id = $1::uuid",
      [requestId],
    );
    const row = rows[0];
    // Baselines keep no record of a pending request: unknown and pending read alike.
    if (row && row.user_id !== request.caller.userId) return reply.code(404).send({ code: "ISSUE_REQUEST_NOT_FOUND", message: "not yours" });
    return { requestId, status: row?.decision ?? "PENDING" };
  });

  app.get("/readyz", async () => ({ status: "ready" }));
  app.addHook("onClose", async () => {
    await strategy.close();
    await statusReader.end();
  });
  return app;
}
