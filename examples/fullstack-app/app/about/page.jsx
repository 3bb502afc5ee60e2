// Rendered per request, so it shows the version that answers (the checks request it, as they do
// the static example's /about).
export const dynamic = 'force-dynamic';

export default function About() {
  return (
    <main>
      <h1>About</h1>
      <p>
        version <span id="version">{process.env.NEXTDEPLOY_VERSION}</span>
      </p>
    </main>
  );
}
