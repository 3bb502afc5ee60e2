import { rememberName } from './actions.js';

// The form posts to the server action; it works without client JavaScript too.
export default async function ActionsPage({ searchParams }) {
  const saved = (await searchParams).saved;
  return (
    <main>
      <h1>Server action</h1>
      {saved ? <p id="saved">saved {saved}</p> : null}
      <form action={rememberName}>
        <input name="name" placeholder="your name" />
        <button type="submit">Remember me</button>
      </form>
    </main>
  );
}
