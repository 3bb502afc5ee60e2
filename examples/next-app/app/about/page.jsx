export default function About() {
  return (
    <>
      <h1>About</h1>
      <p>An App Router page, prerendered at build time.</p>
    </>
  );
}
