import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";

const OPENAPI_INFO = {
  title: "dibs",
  version: "1.0.0",
  description:
    "First-come, first-served coupon issuance. `POST /coupons/{couponId}/issue` answers 202 once Kafka holds the request; " +
    "`GET /issue-requests/{requestId}` tells its owner the decision. Every error body is `{code, message}` with a stable `code`.",
};

const TAG_BY_PREFIX: Array<[prefix: string, tag: string]> = [
  ["/admin/", "admin"],
  ["/coupons/", "issue"],
  ["/issue-requests/", "issue"],
  ["/me/", "issue"],
];

/**
 * OpenAPI 3.1 built from the routes' own zod schemas, at /openapi.json and as a UI at /docs.
 * Register it before the routes: it learns them as they are added.
 */
export const docsPlugin = fp(
  async (app: FastifyInstance) => {
    const guards = new Set<unknown>([app.authenticate, app.requireAdmin]);
    await app.register(swagger, {
      openapi: {
        openapi: "3.1.0",
        info: OPENAPI_INFO,
        tags: [
          { name: "issue", description: "Users ask for a coupon and learn the decision" },
          { name: "admin", description: "Campaigns: create, watch, control (the admin role)" },
          { name: "operations", description: "Health and metrics for the platform" },
        ],
        components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
      },
      transform: (document) => {
        const { schema, url } = jsonSchemaTransform(document);
        const tag = TAG_BY_PREFIX.find(([prefix]) => url.startsWith(prefix))?.[1] ?? "operations";
        const secured = hooksOf(document.route).some((hook) => guards.has(hook));
        return { url, schema: { tags: [tag], ...(secured ? { security: [{ bearer: [] }] } : {}), ...schema } };
      },
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, { routePrefix: "/docs" });
    app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  },
  { name: "docs" },
);

function hooksOf(route: RouteOptions): unknown[] {
  const hooks = route.onRequest;
  if (!hooks) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}
