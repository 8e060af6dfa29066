import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DomainError } from "@dibs/domain";

const ALGORITHM = "aes-256-gcm";
const FORMAT = "v1";
const IV_BYTES = 12;

/**
 * Seals lottery secrets with AES-256-GCM under the API's LOTTERY_SECRET_KEY, so that a database reader sees only
 * ciphertext until the draw reveals them. The coupon id is the additional data: a sealed secret copied onto another
 * coupon does not open.
 */
export class LotterySecretSeal {
  private readonly key: Buffer;

  /** `hexKey`: 32 bytes as 64 hex characters (`openssl rand -hex 32`). */
  constructor(hexKey: string) {
    this.key = Buffer.from(hexKey, "hex");
    if (this.key.length !== 32) throw new Error("LOTTERY_SECRET_KEY must be 32 bytes as 64 hex characters");
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, each base64url. */
  seal(couponId: string, secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv).setAAD(Buffer.from(couponId, "utf8"));
    const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return [FORMAT, ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString("base64url"))].join(".");
  }

  open(couponId: string, sealed: string): string {
    const [format, iv, tag, ciphertext] = sealed.split(".");
    if (format !== FORMAT || !iv || !tag || !ciphertext) throw new Error(`The sealed secret of lottery ${couponId} is not in the ${FORMAT} format`);
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, "base64url")).setAAD(Buffer.from(couponId, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new DomainError(
        "LOTTERY_KEY_UNAVAILABLE",
        `The secret of lottery ${couponId} does not open with this API's LOTTERY_SECRET_KEY: it was sealed under another key, or for another coupon`,
      );
    }
  }
}
