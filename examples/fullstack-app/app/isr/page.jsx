// Incremental static regeneration: prerendered at build time, rebuilt at most once a minute
// (the incremental cache is Workers KV, open-next.config.ts).
export const revalidate = 60;

export default function IsrPage() {
  return (
    <main>
      <h1>ISR</h1>
      <p id="generated">generated {new Date().toISOString()}</p>
    </main>
  );
}
