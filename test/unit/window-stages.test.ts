import { describe, expect, it } from 'vitest';
import { threadHints, windowStages } from '../../src/ingress/window-stages.js';
import { contiguousThrough } from '../../src/ingress/imap.js';

function mail(headers: string[]): Buffer {
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\nbody\r\n`);
}

const request = (n: number, from = `c${n}@example.test`): Buffer => mail([`From: Customer ${n} <${from}>`, 'To: support@helpdesk.test', `Subject: Request ${n}`, `Message-ID: <req-${n}@example.test>`]);

describe('which mails of one IMAP window may be stored at the same time', () => {
  it('unrelated new requests from different senders all run concurrently', () => {
    const stages = windowStages([1, 2, 3].map((uid) => ({ uid, source: request(uid) })));
    expect(stages).toEqual([[[1], [2], [3]]]);
  });

  it('a reply to a request in the same window runs after it, in UID order', () => {
    const reply = mail(['From: someone-else@example.test', 'Subject: Re: Request 1', 'In-Reply-To: <REQ-1@example.test>', 'Message-ID: <r@x>']);
    expect(windowStages([{ uid: 1, source: request(1) }, { uid: 2, source: request(2) }, { uid: 3, source: reply }])).toEqual([[[1, 3], [2]]]);
  });

  it('two replies to one ticket, by subject tag or plus address, run one after the other', () => {
    const bySubject = mail(['From: a@example.test', 'Subject: Re: [hd-42] printer', 'Message-ID: <a@x>']);
    const byPlus = mail(['From: b@example.test', 'To: "Support" <support+HD-42.sig@helpdesk.test>', 'Subject: more', 'Message-ID: <b@x>']);
    const encoded = mail(['From: c@example.test', 'Subject: =?UTF-8?B?' + Buffer.from('Ré: [HD-42] imprimante').toString('base64') + '?=', 'Message-ID: <c@x>']);
    expect(windowStages([{ uid: 5, source: bySubject }, { uid: 6, source: request(6) }, { uid: 7, source: byPlus }, { uid: 9, source: encoded }])).toEqual([[[5, 7, 9], [6]]]);
  });

  it('one sender\'s mails keep their order, also when linked only through a third mail', () => {
    const first = request(1, 'ann@example.test');
    const second = request(2, 'ANN@example.test');
    const other = mail(['From: bob@example.test', 'Subject: x', 'References: <req-9@example.test> <req-2@example.test>']);
    const linked = request(9, 'carl@example.test');
    expect(windowStages([{ uid: 1, source: first }, { uid: 2, source: second }, { uid: 3, source: other }, { uid: 4, source: linked }, { uid: 5, source: request(5) }])).toEqual([[[1, 2, 3, 4], [5]]]);
  });

  it('a large mail (not in memory) or one without a readable head runs alone, between the others', () => {
    const stages = windowStages([
      { uid: 1, source: request(1) },
      { uid: 2, source: request(2) },
      { uid: 3, source: undefined },
      { uid: 4, source: Buffer.from('garbage') },
      { uid: 5, source: request(5) },
    ]);
    expect(stages).toEqual([[[1], [2]], [[3]], [[4]], [[5]]]);
  });

  it('reads the keys from folded headers and ignores the body', () => {
    const raw = Buffer.from('From: Ann\r\n <ann@example.test>\r\nReferences: <a@x>\r\n\t<b@x>\r\nSubject: hello\r\n\r\nIn-Reply-To: <not-a-header@x>\r\n');
    expect(threadHints(raw)?.sort()).toEqual(['addr:ann@example.test', 'id:a@x', 'id:b@x']);
  });
});

describe('the checkpoint after a window', () => {
  it('moves to the highest UID below which every UID is done', () => {
    const done = new Set([10, 11, 13]);
    expect(contiguousThrough([10, 11, 12, 13], (u) => done.has(u))).toBe(11);
    expect(contiguousThrough([12, 13], (u) => done.has(u))).toBeUndefined();
    expect(contiguousThrough([10, 11, 13], (u) => done.has(u))).toBe(13);
  });
});
