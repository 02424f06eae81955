// What a Next.js or Vite blog does with Quire, written against the client generated from
// openapi/openapi.json. `tsc --noEmit` fails when the spec stops describing these calls.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./generated/quire";

type PostSummary = components["schemas"]["PostSummary"];
type PostDetail = components["schemas"]["PostDetail"];
type Problem = components["schemas"]["Problem"];
type WebhookPayload = components["schemas"]["WebhookPayload"];
type ImageDetails = components["schemas"]["ImageDetails"];

// What the spec promises typed clients, checked by the compiler: `Expect` only accepts `true`.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type WholeListItem = components["schemas"]["PostListResponse"]["data"][number];
export type SpecPromises = [
  // A plain list's items are whole summaries: `title` is a string, not `string | undefined`.
  Expect<Equal<WholeListItem["title"], string>>,
  Expect<Equal<WholeListItem["readingTime"], number>>,
  // Custom front matter fields are readable values, not `never`.
  Expect<Equal<PostSummary["extra"][string], unknown>>,
  // The preview token is a typed, optional header on the routes that honour it.
  Expect<Equal<NonNullable<operations["get_post"]["parameters"]["header"]>["Authorization"], string | undefined>>,
  // The webhook's body is declared, with what a receiver needs to drop duplicates and replays.
  Expect<Equal<WebhookPayload["deliveryId"], string>>,
  Expect<Equal<WebhookPayload["timestamp"], string>>,
  Expect<Equal<WebhookPayload["created"], string[]>>,
  // Local images carry what next/image needs; the size and placeholder may be missing.
  Expect<Equal<ImageDetails["url"], string>>,
  Expect<Equal<ImageDetails["width"], number | null>>,
  Expect<Equal<ImageDetails["blurDataUrl"], string | null>>,
  Expect<Equal<PostDetail["images"], ImageDetails[]>>,
  Expect<Equal<PostSummary["featuredImageDetails"], ImageDetails | null>>,
  Expect<Equal<components["schemas"]["ProblemResponse"]["kind"], "content" | "link">>,
];

const quire = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

/** A card on the home page. */
export function card(post: PostSummary): string {
  const author = post.author?.name ?? "Anonymous";
  const category = post.category ? ` in ${post.category.name}` : "";
  const tags = post.tags.map((tag) => `#${tag.slug}`).join(" ");
  const image = post.featuredImage ?? "/images/placeholder.png";
  const link: string = post.url;
  return `${post.title} by ${author}${category}, ${post.readingTime} min (${tags}) ${image} ${link} ${new Date(post.date).getFullYear()}`;
}

/** The home page: newest posts with all of two tags, and the pagination controls. */
export async function homePage(page: number): Promise<string[]> {
  const { data, error, response } = await quire.GET("/api/v1/posts", {
    params: { query: { page, limit: 10, tag: "estimation,meetings", tagMode: "all", sort: "-date" } },
  });
  if (error) {
    const problem: Problem = error;
    throw new Error(`${problem.status} ${problem.parameter ?? ""}: ${problem.detail}`);
  }
  // Without `fields=` the page is whole; only a sparse page has `fields`.
  if ("fields" in data) throw new Error(`asked for whole posts, got ${data.fields.join(",")}`);
  const total = Number(response.headers.get("X-Total-Count"));
  const { pages, next, prev } = data.meta.pagination;
  const nav = `${prev ?? "-"} / ${next ?? "-"} of ${pages} (${total} posts)`;
  const titles: string[] = data.data.map((item) => `${item.title.toUpperCase()} (${item.readingTime} min)`);
  return [...titles, nav];
}

/** A lightweight archive list asking only for titles and dates. */
export async function archive(from: string, to: string): Promise<string[]> {
  const { data } = await quire.GET("/api/v1/posts", {
    params: { query: { from, to, fields: ["title", "date"], limit: 100, sort: "date" } },
  });
  if (!data || !("fields" in data)) return [];
  return data.data.map((item) => `${item.date ?? ""} ${item.title ?? item.slug}`);
}

/** A post page: HTML body, table of contents and neighbour links; null for a 404. */
export async function postPage(slug: string): Promise<PostDetail | null> {
  const { data, error } = await quire.GET("/api/v1/posts/{slug}", { params: { path: { slug } } });
  if (error) {
    if (error.status === 404) return null;
    throw new Error(error.detail);
  }
  const headings = data.toc.flatMap((entry) => [entry.id, ...entry.children.map((child) => child.id)]);
  const older = data.prev ? `/blog/${data.prev.slug}` : null;
  const newer = data.next ? `/blog/${data.next.slug}` : null;
  console.log(headings.length, older, newer, data.html.length, data.extra);
  return data;
}

/** An editor's preview of a draft, with the preview token as a bearer token. */
export async function draftPreview(slug: string, token: string): Promise<string | null> {
  const { data } = await quire.GET("/api/v1/posts/{slug}", {
    params: { path: { slug }, header: { Authorization: `Bearer ${token}` } },
  });
  if (!data) return null;
  const series = data.extra["series"];
  return `${data.title}${typeof series === "string" ? ` (${series})` : ""}`;
}

/** Tag cloud and site header. */
export async function sidebar(): Promise<string> {
  const [{ data: tags }, { data: meta }] = await Promise.all([
    quire.GET("/api/v1/tags"),
    quire.GET("/api/v1/meta"),
  ]);
  const cloud = (tags?.data ?? []).map((tag) => `${tag.name} (${tag.count})`).join(", ");
  const newest = meta?.newestPostDate ?? "never";
  return `${meta?.title ?? ""}: ${meta?.counts.posts ?? 0} posts, newest ${newest}; ${cloud}`;
}

/** An editor dashboard listing content problems by file and line. */
export async function problems(): Promise<string[]> {
  const { data } = await quire.GET("/api/v1/problems");
  return (data?.data ?? []).map(
    (p) => `${p.severity === "error" ? "✗" : "!"} ${p.path}:${p.line}${p.column === null ? "" : `:${p.column}`} ${p.message}`,
  );
}

/** A webhook receiver (after checking `X-Quire-Signature`): the pages to revalidate, none for a
 * duplicate or a replay older than five minutes. */
export function onReloadWebhook(payload: WebhookPayload, seen: Set<string>, now: Date): string[] {
  if (seen.has(payload.deliveryId)) return [];
  if (now.getTime() - new Date(payload.timestamp).getTime() > 5 * 60 * 1000) return [];
  seen.add(payload.deliveryId);
  return [...payload.created, ...payload.updated, ...payload.deleted].map((slug) => `/blog/${slug}`);
}

/** The props of next/image's `<Image>` for a local image of a post, with its blur placeholder. */
export function imageProps(image: ImageDetails): {
  src: string;
  alt: string;
  width: number | undefined;
  height: number | undefined;
  placeholder: "blur" | "empty";
  blurDataURL: string | undefined;
} {
  return {
    src: image.url,
    alt: image.alt,
    width: image.width ?? undefined,
    height: image.height ?? undefined,
    placeholder: image.blurDataUrl ? "blur" : "empty",
    blurDataURL: image.blurDataUrl ?? undefined,
  };
}

/** "Mentioned in": the posts linking to this one, with the sections they point to. */
export async function mentionedIn(slug: string): Promise<string[]> {
  const { data } = await quire.GET("/api/v1/posts/{slug}/backlinks", {
    params: { path: { slug } },
  });
  return (data?.data ?? []).map((link) => `${link.title} (${link.anchors.map((a) => `#${a}`).join(", ")}) ${link.url}`);
}
