// Operating-system errors (Node's errno names: ENOENT, EACCES, …) in words a technician reads: inside a Chinese text a
// Chinese phrase with the code kept in full-width brackets, `找不到该文件或文件夹［ENOENT］`; English keeps Node's own text.

/** Chinese phrases of the OS error codes a field laptop meets (files, disks, devices, sockets), by errno name. */
export const ZH_OS_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: '找不到该文件或文件夹',
  ENOTDIR: '路径中有一级不是文件夹',
  EISDIR: '这是文件夹，不是文件',
  EEXIST: '已存在同名文件',
  ENOTEMPTY: '文件夹不为空',
  ENAMETOOLONG: '文件名过长',
  ELOOP: '符号链接层数过多',
  EACCES: '没有访问权限',
  EPERM: '操作不被允许',
  EROFS: '文件系统为只读',
  ENOSPC: '磁盘空间已满',
  EDQUOT: '超出磁盘配额',
  EMFILE: '本进程打开的文件过多',
  ENFILE: '系统打开的文件过多',
  EIO: '读写出错',
  EBUSY: '设备或资源正忙',
  ENODEV: '没有该设备',
  ENXIO: '没有该设备或地址',
  EADDRINUSE: '地址已被占用',
  EADDRNOTAVAIL: '本机没有这个地址',
  ECONNREFUSED: '连接被拒绝',
  ECONNRESET: '连接被对方重置',
  EPIPE: '对方已关闭连接',
  ETIMEDOUT: '连接超时',
  EHOSTUNREACH: '主机不可达',
  ENETUNREACH: '网络不可达',
  ENOTFOUND: '找不到该主机名',
};

/**
 * Node's system error messages (libuv's): a file call's `CODE: description[, syscall 'path'[ -> 'dest']]`
 * ("ENOENT: no such file or directory, open '/d/alerts.jsonl'"), and a socket call's `syscall CODE[: description]
 * [address]` ("listen EADDRINUSE: address already in use 127.0.0.1:8080", "connect ECONNREFUSED 127.0.0.1:1883",
 * "getaddrinfo ENOTFOUND mqtt.local"). Groups: 1 / 3 the code, 2 / 4 the path or address.
 */
const FILE_ERROR = /^(E[A-Z0-9]+): [^,]+(?:, \w+(?: '([^']*)')?(?: -> '[^']*')?)?$/;
const SOCKET_ERROR = /^(?:listen|connect|bind|getaddrinfo|read|write|open) (E[A-Z0-9]+)(?:: .*?)?(?: ([\w.:[\]-]+))?$/;

/**
 * `text` in Chinese when it is a Node system error message of a code {@link ZH_OS_ERROR_WORDS} words: the phrase, the
 * code in full-width brackets and the path or address after `：` unless `known` says the surrounding text names it
 * already (`无法读取考点配置（找不到该文件或文件夹［ENOENT］）`); any other text as it is.
 */
export function zhOsErrorText(text: string, known: (path: string) => boolean = () => false): string {
  const f = FILE_ERROR.exec(text);
  const s = f === null ? SOCKET_ERROR.exec(text) : null;
  const code = f?.[1] ?? s?.[1];
  const words = code === undefined ? undefined : ZH_OS_ERROR_WORDS[code];
  if (words === undefined) return text;
  const where = f?.[2] ?? s?.[2];
  return `${words}［${code}］${where !== undefined && where !== '' && !known(where) ? `：${where}` : ''}`;
}
