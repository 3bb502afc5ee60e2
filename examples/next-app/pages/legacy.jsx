// A Pages Router page next to the App Router, as apps mid-migration have.
export function getStaticProps() {
  return { props: { renderedAt: 'build time' } };
}

export default function Legacy({ renderedAt }) {
  return (
    <main>
      <h1>Pages Router</h1>
      <p>This page comes from pages/legacy.jsx, rendered at {renderedAt}.</p>
    </main>
  );
}
