const POSTS = {
  'hello-world': 'Hello, world',
  'second-post': 'A second post',
};

// A dynamic route: every slug is known at build time, so the static export prerenders each one.
export const dynamicParams = false;

export function generateStaticParams() {
  return Object.keys(POSTS).map((slug) => ({ slug }));
}

export default async function BlogPost({ params }) {
  const { slug } = await params;
  return (
    <>
      <h1>{POSTS[slug]}</h1>
      <p>The blog post at /blog/{slug}.</p>
    </>
  );
}
