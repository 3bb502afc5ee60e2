import { NextResponse } from 'next/server';

// Runs before every page and route: marks the response so a check can see middleware ran,
// and gives each request an id the home page shows.
export function middleware(request) {
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-request-id', crypto.randomUUID());
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('x-nextdeploy-middleware', 'ran');
  return response;
}

export const config = { matcher: ['/((?!_next/static|favicon.ico|logo.svg|robots.txt).*)'] };
