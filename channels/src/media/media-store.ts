import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import mongoose, { Schema, Types, type InferSchemaType, type Model } from 'mongoose';
import { isDuplicateKey, type Channel, type Db, type MediaKind } from '@brokerbot/shared';
import type { UnavailableReason } from './media-unavailable';

/**
 * What became of a client message's file: its bytes kept (in GridFS), or the reason they could
 * not be. One document per message (_id "<channel>:<channelMessageId>"), inserted once and never
 * changed: the insert under the unique _id decides, so a redelivered message, a retried job and
 * an advisor's on-demand fetch racing each other keep one copy (the losers delete theirs).
 */
const messageMediaSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, required: true },
    channelMessageId: { type: String, required: true },
    conversationId: { type: String, required: true },
    kind: { type: String, enum: ['image', 'voice', 'video', 'file'], required: true },
    mediaId: { type: String, required: true },
    status: { type: String, enum: ['stored', 'unavailable'], required: true },
    /** GridFS file (bucket "media") when stored. */
    fileId: { type: Schema.Types.ObjectId, default: null },
    name: { type: String, default: null },
    contentType: { type: String, default: null },
    size: { type: Number, default: null },
    sha256: { type: String, default: null },
    reason: { type: String, enum: ['expired', 'too_large', 'download_failed', null], default: null },
    /** What Tencent or we observed (errcode, size …), for operators. */
    detail: { type: String, default: null },
  },
  { timestamps: true, versionKey: false },
);

export type MessageMediaDoc = InferSchemaType<typeof messageMediaSchema> & { _id: string };

/** The message a file belongs to, and what the channel said about it. */
export interface MediaOwner {
  channel: Channel;
  channelMessageId: string;
  conversationId: string;
  kind: MediaKind;
  mediaId: string;
}

export interface FileToKeep {
  bytes: Buffer;
  name: string;
  contentType: string;
}

const BUCKET = 'media';

export function mediaKey(channel: Channel, channelMessageId: string): string {
  return `${channel}:${channelMessageId}`;
}

/**
 * The kept files. Bytes live in GridFS on the product's own database (measured on FerretDB
 * v1.24.2 / SQLite: 0 B to 20 MB files round-trip byte for byte, and the bucket's unique
 * (files_id, n) chunk index is created), so they are backed up and retained with the transcript.
 */
export class MediaStore {
  private readonly records: Model<MessageMediaDoc>;
  private readonly bucket: mongoose.mongo.GridFSBucket;

  constructor(db: Pick<Db, 'connection'>) {
    const { connection } = db;
    if (!connection.db) throw new Error('MediaStore needs a connected database');
    // Registered here rather than in shared: only the channels read or write it.
    this.records =
      (connection.models.MessageMedia as Model<MessageMediaDoc> | undefined) ??
      connection.model<MessageMediaDoc>('MessageMedia', messageMediaSchema, BUCKET);
    this.bucket = new mongoose.mongo.GridFSBucket(connection.db, { bucketName: BUCKET });
  }

  async find(channel: Channel, channelMessageId: string): Promise<MessageMediaDoc | null> {
    return (await this.records.findById(mediaKey(channel, channelMessageId)).lean()) as MessageMediaDoc | null;
  }

  /** Uploads the bytes under a fresh file id, then claims the message for them; the loser of a race deletes its copy. */
  async keepBytes(owner: MediaOwner, file: FileToKeep): Promise<MessageMediaDoc> {
    const fileId = new Types.ObjectId();
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    // Whatever fails after the first chunk is written, our copy goes (a retry uploads a new one).
    const discard = () => this.bucket.delete(fileId).catch(() => undefined);
    await new Promise<void>((resolve, reject) => {
      const upload = this.bucket.openUploadStreamWithId(fileId, file.name, {
        metadata: { channel: owner.channel, channelMessageId: owner.channelMessageId, contentType: file.contentType, sha256 },
      });
      upload.once('finish', () => resolve());
      upload.once('error', reject);
      upload.end(file.bytes);
    }).catch(async (err: unknown) => {
      await discard();
      throw err;
    });
    const record = {
      ...this.base(owner),
      status: 'stored' as const,
      fileId,
      name: file.name,
      contentType: file.contentType,
      size: file.bytes.length,
      sha256,
    };
    const kept = await this.claim(record).catch(async (err: unknown) => {
      await discard();
      throw err;
    });
    if (!kept.fileId?.equals(fileId)) await discard();
    return kept;
  }

  markUnavailable(owner: MediaOwner, reason: UnavailableReason, detail: string): Promise<MessageMediaDoc> {
    return this.claim({ ...this.base(owner), status: 'unavailable', reason, detail: detail.slice(0, 500) });
  }

  /** The stored bytes, streamed from GridFS. */
  open(fileId: Types.ObjectId): Readable {
    return this.bucket.openDownloadStream(fileId);
  }

  /** How many GridFS files hold this message's bytes (tests: "stored once"). */
  async copiesOf(channel: Channel, channelMessageId: string): Promise<number> {
    const db = this.records.db.db!;
    return db
      .collection(`${BUCKET}.files`)
      .countDocuments({ 'metadata.channel': channel, 'metadata.channelMessageId': channelMessageId });
  }

  private base(owner: MediaOwner) {
    return { _id: mediaKey(owner.channel, owner.channelMessageId), ...owner };
  }

  /** Insert once: the first outcome recorded is the outcome. */
  private async claim(record: Partial<MessageMediaDoc> & { _id: string }): Promise<MessageMediaDoc> {
    try {
      return (await this.records.create(record)).toObject() as MessageMediaDoc;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const winner = (await this.records.findById(record._id).lean()) as MessageMediaDoc | null;
      if (!winner) throw err;
      return winner;
    }
  }
}
