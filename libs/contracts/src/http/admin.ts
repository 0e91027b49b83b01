import { z } from 'zod';

/**
 * `POST /admin/login` (the queue dashboard): an operator's personal token, as a JSON body or an
 * HTML form field. A bearer `Authorization` header works too, with no body.
 */
export const AdminLoginBody = z.object({ token: z.string().trim().min(1) });
export type AdminLoginBody = z.infer<typeof AdminLoginBody>;
