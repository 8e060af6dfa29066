import { type Problem, reportProblems, throwIfProblems, tlsFileProblems, tlsFiles, tlsFileVariables } from "@dibs/tls";
import { z } from "zod";
import { type KafkaSecurity, plainWithoutTlsRefusal, SASL_MECHANISMS } from "./client.ts";

const flag = z.stringbool({ truthy: ["true"], falsy: ["false"] }).default(false);

/**
 * The environment variables of the Kafka client's security, for every app and tool that talks to Kafka: spread them into
 * the configuration schema and refine it with `checkKafkaSecurity`, then hand `kafkaSecurityFrom(config)` to createKafka.
 */
export const kafkaSecurityVariables = {
  KAFKA_TLS: flag,
  ...tlsFileVariables("KAFKA"),
  KAFKA_SASL_MECHANISM: z.enum(SASL_MECHANISMS).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_SASL_ALLOW_PLAIN_WITHOUT_TLS: flag,
};

const kafkaSecurityEnv = z.object(kafkaSecurityVariables);
/** The variables once parsed; absent ones are off. */
export type KafkaSecuritySettings = Partial<z.output<typeof kafkaSecurityEnv>>;

/** Combinations the variables cannot mean: SASL half set, client certificate without key, files without TLS, PLAIN in clear. */
export function kafkaSecurityProblems(settings: KafkaSecuritySettings): Problem[] {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = settings;
  const problems = tlsFileProblems("KAFKA", settings, { on: settings.KAFKA_TLS === true, howToTurnOn: "set KAFKA_TLS=true" });
  if (mechanism) {
    if (!username) problems.push({ variable: "KAFKA_SASL_USERNAME", message: `is required with KAFKA_SASL_MECHANISM=${mechanism}` });
    if (!password) problems.push({ variable: "KAFKA_SASL_PASSWORD", message: `is required with KAFKA_SASL_MECHANISM=${mechanism}` });
  } else if (username || password) {
    problems.push({
      variable: "KAFKA_SASL_MECHANISM",
      message: `is required with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: one of ${SASL_MECHANISMS.join(", ")}`,
    });
  }
  const refusal = plainWithoutTlsRefusal(asSecurity(settings));
  if (refusal) problems.push({ variable: "KAFKA_SASL_MECHANISM", message: `plain is refused: ${refusal}` });
  return problems;
}

/** For the configuration schema's superRefine. */
export function checkKafkaSecurity(settings: KafkaSecuritySettings, ctx: z.RefinementCtx): void {
  reportProblems(kafkaSecurityProblems(settings), ctx);
}

/** createKafka's `security` from the parsed variables; throws on what `checkKafkaSecurity` refuses. */
export function kafkaSecurityFrom(settings: KafkaSecuritySettings): KafkaSecurity {
  throwIfProblems(kafkaSecurityProblems(settings));
  return asSecurity(settings);
}

function asSecurity(settings: KafkaSecuritySettings): KafkaSecurity {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username = "", KAFKA_SASL_PASSWORD: password = "" } = settings;
  const files = tlsFiles("KAFKA", settings);
  return {
    tls: settings.KAFKA_TLS === true && (Object.keys(files).length > 0 ? files : true),
    ...(mechanism ? { sasl: { mechanism, username, password } } : {}),
    allowPlainWithoutTls: settings.KAFKA_SASL_ALLOW_PLAIN_WITHOUT_TLS === true,
  };
}
