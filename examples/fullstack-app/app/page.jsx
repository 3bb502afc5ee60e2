import { cookies, headers } from 'next/headers';

// Rendered on every request in the Worker (reading cookies makes the page dynamic).
export default async function Home() {
  const visitor = (await cookies()).get('visitor')?.value ?? 'stranger';
  const requestId = (await headers()).get('x-request-id') ?? 'none';
  return (
    <main>
      <h1>Hello, {visitor}</h1>
      <p id="request">request {requestId}</p>
      <p id="rendered">rendered {new Date().toISOString()}</p>
      <img src="/logo.svg" alt="logo" width="32" height="32" />
      <ul>
        <li><a href="/isr">ISR page</a></li>
        <li><a href="/actions">server action</a></li>
      </ul>
    </main>
  );
}
