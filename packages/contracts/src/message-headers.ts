/** A Kafka message's headers as a client hands them over (kafkajs' IHeaders), in no client library's types. */
export type MessageHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

/** One header of a consumed message as text, or null. */
export function headerText(headers: MessageHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}
