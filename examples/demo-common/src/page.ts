import { readFileSync } from 'node:fs';
import { bundleForBrowser } from './bundle.js';

/** One file of the live demo page, ready to send. */
export interface PageFile {
  status: 200;
  /** The `Content-Type` header. */
  type: string;
  body: Buffer;
}

// A fixed list, so no request path ever reaches the file system. `app.js` imports
// `@ssekit/client`, so it is served bundled.
const FILES = new Map<string, { file: string; type: string; bundle?: true }>([
  ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/index.html', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/app.js', { file: 'app.js', type: 'text/javascript; charset=utf-8', bundle: true }],
  ['/style.css', { file: 'style.css', type: 'text/css; charset=utf-8' }],
]);

// `public/` sits beside both `src/` (run through tsx) and `dist/` (compiled).
const PUBLIC_DIR = new URL('../public/', import.meta.url);
const cache = new Map<string, PageFile>();

/**
 * The live demo page (plain HTML and JavaScript in `examples/demo-common/public/`): answers
 * `GET /`, `/app.js` and `/style.css`, and `undefined` for any other path, so a demo can mount it
 * beside the contract routes. Files are read once, on first request; `app.js` is bundled with
 * `@ssekit/client` then (see {@link bundleForBrowser}).
 * @param pathname - the request's path, without the query.
 */
export function servePage(pathname: string): PageFile | undefined {
  const entry = FILES.get(pathname);
  if (entry === undefined) return undefined;
  let page = cache.get(entry.file);
  if (page === undefined) {
    const file = new URL(entry.file, PUBLIC_DIR);
    const body = entry.bundle === true ? Buffer.from(bundleForBrowser(file)) : readFileSync(file);
    page = { status: 200, type: entry.type, body };
    cache.set(entry.file, page);
  }
  return page;
}
