// A route handler: answers a POST with its own body and content type.
export async function POST(request) {
  const body = await request.text();
  return Response.json({ method: request.method, contentType: request.headers.get('content-type'), body });
}
