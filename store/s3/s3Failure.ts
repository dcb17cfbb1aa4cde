/** What the AWS SDK throws: only its name and HTTP status are read (never a request's contents). */
export interface S3Failure {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status of a failed S3 request, if it got one. */
export const s3Status = (e: unknown): number | undefined => (e as S3Failure).$metadata?.httpStatusCode;

/** The object (or bucket key) is not there. */
export const isS3NotFound = (e: unknown): boolean => s3Status(e) === 404 || ['NoSuchKey', 'NotFound'].includes((e as S3Failure).name ?? '');
