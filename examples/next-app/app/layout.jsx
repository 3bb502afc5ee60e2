export const metadata = {
  title: 'nextdeploy example',
  description: 'The example app nextdeploy ships on embedded defaults',
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        <header>
          <a href="/">home</a> · <a href="/about">about</a> · <a href="/blog/hello-world">blog</a> ·{' '}
          <a href="/legacy">pages router</a> · <a href="/api/version">api</a>
        </header>
        <main>{children}</main>
        <footer>
          version <span id="version">{process.env.NEXTDEPLOY_VERSION}</span>
        </footer>
      </body>
    </html>
  );
}
