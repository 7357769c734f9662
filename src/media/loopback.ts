/** Whether a socket address is the machine itself (IPv4, IPv6 or IPv4-mapped). */
export const isLoopback = (address: string | undefined): boolean =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
