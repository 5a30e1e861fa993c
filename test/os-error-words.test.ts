// OS error codes in Chinese words with the code kept (src/os-error-words.ts), as a coded text's detail reads them.
import { describe, expect, it } from 'vitest';
import { cliError, errorMessageIn, errorTextIn } from '../src/error-text.js';
import { ZH_OS_ERROR_WORDS, zhOsErrorText } from '../src/os-error-words.js';

describe('OS error words', () => {
  it('a file call\'s message: the phrase, the code in full-width brackets, the path unless the text names it', () => {
    expect(zhOsErrorText("ENOENT: no such file or directory, open '/d/alerts.jsonl'")).toBe('找不到该文件或文件夹［ENOENT］：/d/alerts.jsonl');
    expect(zhOsErrorText("EACCES: permission denied, mkdir '/srv/qb'", (p) => p === '/srv/qb')).toBe('没有访问权限［EACCES］');
    expect(zhOsErrorText("ENOSPC: no space left on device, write")).toBe('磁盘空间已满［ENOSPC］');
    expect(zhOsErrorText("EROFS: read-only file system, open '/media/usb/a.html'")).toBe('文件系统为只读［EROFS］：/media/usb/a.html');
    expect(zhOsErrorText("EXDEV: cross-device link not permitted, rename '/a' -> '/b'")).toBe("EXDEV: cross-device link not permitted, rename '/a' -> '/b'"); // a code without words: as it is
  });

  it('a socket call\'s message: listen, connect, getaddrinfo', () => {
    expect(zhOsErrorText('listen EADDRINUSE: address already in use 127.0.0.1:8080')).toBe('地址已被占用［EADDRINUSE］：127.0.0.1:8080');
    expect(zhOsErrorText('connect ECONNREFUSED 127.0.0.1:1883')).toBe('连接被拒绝［ECONNREFUSED］：127.0.0.1:1883');
    expect(zhOsErrorText('getaddrinfo ENOTFOUND mqtt.local')).toBe('找不到该主机名［ENOTFOUND］：mqtt.local');
    expect(zhOsErrorText('read ECONNRESET')).toBe('连接被对方重置［ECONNRESET］');
    expect(zhOsErrorText('no RTL-SDR dongle found')).toBe('no RTL-SDR dongle found');
  });

  it('every common code has words, with no Latin letter in them', () => {
    for (const c of ['ENOENT', 'EACCES', 'EPERM', 'EADDRINUSE', 'EADDRNOTAVAIL', 'ENOSPC', 'EDQUOT', 'EROFS', 'EISDIR', 'ENOTDIR', 'EBUSY', 'EIO', 'ECONNREFUSED', 'ETIMEDOUT']) {
      expect(ZH_OS_ERROR_WORDS[c], c).toMatch(/^[^A-Za-z]+$/);
    }
  });

  it('a coded error\'s detail: Chinese in the Chinese text (the path said once, an address by its bind and port), Node\'s words in English', () => {
    const path = '/media/usb/report.html';
    const err = cliError('flag.cannotWrite', { flag: '-o', path, detail: `EROFS: read-only file system, open '${path}'` }, 'IO');
    expect(errorMessageIn('zh-CN', err)).toBe('-o：无法写入 /media/usb/report.html（文件系统为只读［EROFS］）');
    expect(err.message).toBe(`-o: cannot write ${path} (EROFS: read-only file system, open '${path}')`);
    expect(errorTextIn('zh-CN', { id: 'server.cannotListen', params: { bind: '10.0.0.9', port: 8080, detail: 'listen EADDRNOTAVAIL: address not available 10.0.0.9:8080' } })).toBe('网页服务：无法在 10.0.0.9:8080 上监听：本机没有这个地址［EADDRNOTAVAIL］');
  });
});
