/**
 * Catalog files that cite run receipts (the DCAT record's `prov:wasGeneratedBy`, the PROV
 * bundle's activities) differ between two independent builds exactly where their receipts
 * do: the run ids, the runs' times, the receipt files' digests and the actor. Tests that
 * compare two builds' data/ trees compare these files with those facts replaced.
 */

/** Whether a path under data/ is a catalog file that cites receipts. */
export function citesReceipts(path: string): boolean {
  return /^catalog\/[^/]+\/[^/]+\/(dcat\.jsonld|prov\/bundle\.jsonld)$/.test(path);
}

/** The file's text with run ids, run times (to the millisecond), receipt digests and the actor replaced by placeholders. */
export function withoutRunFacts(text: string): string {
  return text
    .replace(/kfm:\/\/run\/\d{8}T\d{6}Z\.[a-z0-9_]+\.[0-9a-f]{8}/g, 'kfm://run/<run>')
    .replace(/receipts\/\d{8}T\d{6}Z\.[a-z0-9_]+\.[0-9a-f]{8}\.json/g, 'receipts/<run>.json')
    .replace(/"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"/g, '"<time>"')
    .replace(/("kfm:receipt_digest": )"sha256:[0-9a-f]{64}"/g, '$1"<receipt digest>"')
    .replace(/kfm:\/\/agent\/[^"]+/g, 'kfm://agent/<actor>')
    .replace(/("kfm:(principal|role)": )"[^"]*"/g, '$1"<actor>"');
}
