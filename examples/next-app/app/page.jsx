export default function Home() {
  return (
    <>
      <h1>nextdeploy example app</h1>
      <p>Deployed to Cloudflare Pages by a Temporal workflow; routed by the nextdeploy router.</p>
    </>
  );
}
