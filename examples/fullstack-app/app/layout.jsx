import localFont from 'next/font/local';

// A font file committed with the app (Inter, SIL Open Font License 1.1: app/fonts/LICENSE-*).
// next/font/google would fetch from Google at build time, which fails offline and in CI.
const inter = localFont({ src: './fonts/inter-latin-400-normal.woff2', weight: '400', display: 'swap' });

export const metadata = { title: 'nextdeploy full-stack example' };

export default function RootLayout({ children }) {
  return (
    <html lang="en" className={inter.className}>
      <body>
        {children}
        <footer>version {process.env.NEXTDEPLOY_VERSION}</footer>
      </body>
    </html>
  );
}
