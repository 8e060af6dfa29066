import { DEAD_LETTER_TOPIC } from "@dibs/kafka";
import type { KafkaMessage, Producer } from "kafkajs";

export interface DeadLetter {
  message: KafkaMessage;
  reason: string;
}

export interface DeadLetterOrigin {
  topic: string;
  partition: number;
}

/** Parks messages the issuer cannot decide, with why and where they came from, so they can be replayed. */
export class KafkaDeadLetters {
  constructor(private readonly producer: Producer) {}

  async publish(origin: DeadLetterOrigin, letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.producer.send({
      topic: DEAD_LETTER_TOPIC,
      acks: -1,
      messages: letters.map(({ message, reason }) => ({
        key: message.key,
        value: message.value,
        headers: {
          // The original headers (traceparent, x-request-id) stay, so a parked request can still be followed.
          ...message.headers,
          "dibs-dlt-reason": reason,
          "dibs-original-topic": origin.topic,
          "dibs-original-partition": String(origin.partition),
          "dibs-original-offset": message.offset,
          "dibs-dead-lettered-at": new Date().toISOString(),
        },
      })),
    });
  }
}
