'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';

/** A server action: remembers the name in a cookie and shows it on the home page. */
export async function rememberName(formData) {
  const name = String(formData.get('name') ?? '').trim().slice(0, 40) || 'stranger';
  (await cookies()).set('visitor', name, { path: '/', httpOnly: true, sameSite: 'lax' });
  redirect(`/actions?saved=${encodeURIComponent(name)}`);
}
