// An API route: a route handler rendered once at build time, so the static export includes it.
export const dynamic = 'force-static';

export function GET() {
  return Response.json({ app: 'nextdeploy-example', version: process.env.NEXTDEPLOY_VERSION });
}
