import { describe, expect, it } from 'vitest';
import type { TicketStatus } from '../../src/store/tickets.js';
import {
  extractCommands,
  nearestVerb,
  resolveVerb,
  runCommands,
  VERBS,
  type AgentInfo,
  type CommandEffects,
  type CommandEnv,
  type TicketDraft,
} from '../../src/ticket/commands/index.js';
import type { LineResult } from '../../src/ticket/commands/index.js';

// Three agents, one a lead. Bob writes the mails unless a test says otherwise.
const ANN: AgentInfo = { id: 1, email: 'ann@help.test', name: 'Ann Lee', role: 'lead', openTickets: 2 };
const BOB: AgentInfo = { id: 2, email: 'bob@help.test', name: 'Bob Smith', role: 'agent', openTickets: 1 };
const BEA: AgentInfo = { id: 3, email: 'bea@help.test', name: 'Bea Jones', role: 'agent', openTickets: 3 };
const AGENTS = [ANN, BOB, BEA];
const CAP = 3;

const ALL: TicketStatus[] = ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer', 'waiting_third_party', 'resolved', 'closed'];
const OPEN: TicketStatus[] = ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer', 'waiting_third_party'];

type Targets = CommandEnv['tickets'];
const TARGETS: Targets = new Map([
  ['HD-20', { id: 20, ref: 'HD-20', status: 'in_progress' as TicketStatus }],
  ['HD-21', { id: 21, ref: 'HD-21', status: 'closed' as TicketStatus }],
  ['HD-22', { id: 22, ref: 'HD-22', status: 'resolved' as TicketStatus }],
]);

function envFor(actor: AgentInfo = BOB, tickets: Targets = TARGETS): CommandEnv {
  return { actor, agents: AGENTS, maxOpenPerAgent: CAP, tickets, ticketPrefix: 'HD', tracker: { name: 'jira', keyPattern: /(?<![A-Za-z0-9])[A-Z][A-Z0-9]+-\d+(?![A-Za-z0-9])/g } };
}

/** A ticket as it would be in that status: nobody owns a new or reviewing one; Ann owns the rest. */
function ticket(status: TicketStatus, over: Partial<TicketDraft> = {}): TicketDraft {
  return {
    id: 10,
    ref: 'HD-10',
    subject: 'VPN drops every hour',
    status,
    priority: 'P3',
    category: null,
    tags: ['vpn'],
    assigneeId: status === 'new' || status === 'reviewing' ? null : ANN.id,
    requesterEmail: 'carol@customer.test',
    approved: status !== 'new',
    escalated: false,
    resolution: null,
    ...over,
  };
}

function run(t: TicketDraft, mail: string, env: CommandEnv = envFor()): { applied: boolean; results: LineResult[]; effects: CommandEffects } {
  return runCommands(t, extractCommands(mail).commands, env);
}

function eventTypes(effects: CommandEffects): string[] {
  return effects.events.map((e) => e.type);
}

const human = (s: TicketStatus): string => s.replace(/_/g, ' ');

describe('extractCommands: which lines of an agent mail are commands', () => {
  const single: [string, string, string, string][] = [
    // name, line, verb, args
    ['a verb with arguments', '#assign bob@help.test', 'assign', 'bob@help.test'],
    ['a verb in capitals', '#RESOLVE Fixed the DNS', 'resolve', 'Fixed the DNS'],
    ['a verb in mixed case', '#Priority High', 'priority', 'High'],
    ['the colon form', '#assign: me', 'assign', 'me'],
    ['the colon form without a space', '#tag:urgent', 'tag', 'urgent'],
    ['a line with leading spaces', '   #start', 'start', ''],
    ['a line with a leading tab', '\t#close', 'close', ''],
    ['a verb without arguments and trailing spaces', '#note   ', 'note', ''],
    ['#? for help', '#?', '?', ''],
  ];
  it.each(single)('%s is a command: %j', (_name, line, verb, args) => {
    const { commands } = extractCommands(`Hello Carol,\n${line}\nThanks`);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ verb, args });
  });

  const notCommands: [string, string][] = [
    ['a numbered list item', '#1 item: restart the router'],
    ['a markdown heading', '# Heading'],
    ['a second-level heading', '## Steps to reproduce'],
    ['a lone hash', '#'],
    ['a hash in the middle of a sentence', 'This is about issue #42, see #assign docs'],
    ['a quoted command', '> #resolve done'],
  ];
  it.each(notCommands)('%s is not a command and stays in the text: %j', (_name, line) => {
    const body = `Hello Carol,\n${line}\nThanks`;
    const { commands, text } = extractCommands(body);
    expect(commands).toEqual([]);
    expect(text).toBe(body);
  });

  it('finds command lines anywhere in the text and keeps the rest, in order, without them', () => {
    const body = ['#assign me', 'Hello Carol,', '', 'the VPN concentrator was restarted.', '  #priority high', 'It should hold now.', '#resolve restarted the concentrator; monitoring added', '', 'Bob'].join('\n');
    const { commands, text } = extractCommands(body);
    expect(commands.map((c) => [c.verb, c.args])).toEqual([
      ['assign', 'me'],
      ['priority', 'high'],
      ['resolve', 'restarted the concentrator; monitoring added'],
    ]);
    expect(commands.map((c) => c.line)).toEqual(['#assign me', '#priority high', '#resolve restarted the concentrator; monitoring added']);
    expect(text).toBe(['Hello Carol,', '', 'the VPN concentrator was restarted.', 'It should hold now.', '', 'Bob'].join('\n'));
  });

  it('a mail with no commands is returned unchanged, as a plain reply', () => {
    const body = 'Hello Carol,\n\nplease try again now.\n  Indented line stays indented.\n\nBob';
    expect(extractCommands(body)).toEqual({ commands: [], text: body });
  });

  it('a mail of commands only leaves no text to send', () => {
    expect(extractCommands('#assign me\n#start\n').text).toBe('');
  });

  it('Windows line ends are understood', () => {
    const { commands, text } = extractCommands('#wait customer\r\nCould you send a screenshot?\r\nBob\r\n');
    expect(commands).toEqual([{ verb: 'wait', args: 'customer', line: '#wait customer' }]);
    expect(text).toBe('Could you send a screenshot?\nBob');
  });
});

describe('resolveVerb: aliases and typos', () => {
  const line = (verb: string, args = ''): { verb: string; args: string; line: string } => ({ verb, args, line: `#${verb} ${args}`.trim() });

  it.each(Object.keys(VERBS))('the verb #%s is known as itself', (verb) => {
    expect(resolveVerb(line(verb, 'x'))).toEqual({ verb, args: 'x' });
  });

  const aliases: [string, string, string, string][] = [
    // written verb, written args, → verb, → args
    ['mine', '', 'assign', 'me'],
    ['take', '', 'assign', 'me'],
    ['own', '', 'assign', 'me'],
    ['claim', '', 'assign', 'me'],
    ['unassign', 'off sick tomorrow', 'release', 'off sick tomorrow'],
    ['handoff', 'see notes', 'release', 'see notes'],
    ['solved', 'patched', 'resolve', 'patched'],
    ['solve', 'patched', 'resolve', 'patched'],
    ['done', 'patched', 'resolve', 'patched'],
    ['fixed', 'patched', 'resolve', 'patched'],
    ['resolved', 'patched', 'resolve', 'patched'],
    ['closed', '', 'close', ''],
    ['pending', '', 'wait', 'customer'],
    ['prio', 'high', 'priority', 'high'],
    ['p', '2', 'priority', '2'],
    ['p1', '', 'priority', 'p1'],
    ['p2', '', 'priority', 'p2'],
    ['p3', '', 'priority', 'p3'],
    ['p4', '', 'priority', 'p4'],
    ['cat', 'Billing', 'category', 'Billing'],
    ['internal', '', 'note', ''],
    ['comment', '', 'note', ''],
    ['approved', '', 'approve', ''],
    ['working', '', 'start', ''],
    ['inprogress', '', 'start', ''],
    ['in-progress', '', 'start', ''],
    ['escalation', 'data loss', 'escalate', 'data loss'],
    ['tags', 'vip', 'tag', 'vip'],
    ['?', '', 'help', ''],
  ];
  it.each(aliases)('#%s %s means #%s %s', (verb, args, toVerb, toArgs) => {
    expect(resolveVerb(line(verb, args))).toEqual({ verb: toVerb, args: toArgs });
  });

  const statuses: [string, string, string][] = [
    // #status args, → verb, → args
    ['resolved', 'resolve', ''],
    ['resolved restarted the VPN', 'resolve', 'restarted the VPN'],
    ['Resolved restarted the VPN', 'resolve', 'restarted the VPN'],
    ['solved patched', 'resolve', 'patched'],
    ['closed', 'close', ''],
    ['pending', 'wait', 'customer'],
    ['waiting_customer', 'wait', 'customer'],
    ['waiting_third_party', 'wait', 'vendor'],
    ['in_progress', 'start', ''],
    ['in-progress', 'start', ''],
    ['started', 'start', ''],
    ['open', 'reopen', ''],
    ['reopened', 'reopen', ''],
    ['spam', 'spam', ''],
  ];
  it.each(statuses)('#status %s means #%s %s', (args, toVerb, toArgs) => {
    expect(resolveVerb(line('status', args))).toEqual({ verb: toVerb, args: toArgs });
  });

  it('#status with an unknown status says which statuses it knows', () => {
    const r = resolveVerb(line('status', 'sleeping'));
    expect(r).toHaveProperty('error');
    expect('error' in r && r.error).toMatch(/#status sleeping: unknown status; use one of .*resolved.*pending/);
  });

  const typos: [string, string][] = [
    ['asign', 'assign'],
    ['asssign', 'assign'],
    ['reslove', 'resolve'],
    ['resovle', 'resolve'],
    ['relase', 'release'],
    ['escalte', 'escalate'],
    ['priorty', 'priority'],
    ['clsoe', 'close'],
    ['reopne', 'reopen'],
    ['aprove', 'approve'],
    ['catgory', 'category'],
    ['untagg', 'untag'],
    ['projekt', 'project'],
  ];
  it.each(typos)('an unknown verb #%s gets "did you mean #%s?"', (typo, nearest) => {
    expect(nearestVerb(typo)).toBe(nearest);
    expect(resolveVerb(line(typo))).toEqual({ error: `unknown command #${typo}; did you mean #${nearest}?` });
  });
});

/**
 * Every verb × every status. Each row: the line written, the statuses it is allowed from (written
 * out by hand), the status it leads to from each of those, and what else must have happened.
 */
interface VerbRow {
  line: string;
  verb: string;
  allowed: TicketStatus[];
  after: (from: TicketStatus) => TicketStatus;
  check: (effects: CommandEffects, from: TicketStatus) => void;
}

const same = (from: TicketStatus): TicketStatus => from;

const VERB_TABLE: VerbRow[] = [
  {
    line: '#assign me',
    verb: 'assign',
    allowed: OPEN,
    after: (from) => (from === 'waiting_customer' || from === 'waiting_third_party' ? from : 'assigned'),
    check: (e, from) => {
      expect(e.draft.assigneeId).toBe(BOB.id);
      expect(e.events[0]).toEqual({ type: 'assigned', data: { to: BOB.email, from: from === 'new' || from === 'reviewing' ? null : ANN.email, openTickets: 2 } });
      expect(e.warnings).toEqual([]);
    },
  },
  {
    line: '#release off tomorrow; logs are on the ticket, next step is a router swap',
    verb: 'release',
    allowed: ['assigned', 'in_progress', 'waiting_customer', 'waiting_third_party'],
    after: () => 'reviewing',
    check: (e) => {
      expect(e.draft.assigneeId).toBeNull();
      expect(e.events).toEqual([{ type: 'released', data: { note: 'off tomorrow; logs are on the ticket, next step is a router swap' } }]);
    },
  },
  {
    line: '#start',
    verb: 'start',
    allowed: ['new', 'reviewing', 'assigned', 'waiting_customer', 'waiting_third_party'],
    after: () => 'in_progress',
    check: (e, from) => {
      expect(e.draft.assigneeId).toBe(from === 'new' || from === 'reviewing' ? BOB.id : ANN.id);
      expect(e.notices).toContainEqual({ kind: 'work_begun', audience: 'requester' });
      expect(eventTypes(e)).toContain('status_changed');
    },
  },
  {
    line: '#wait customer',
    verb: 'wait',
    allowed: ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_third_party'],
    after: () => 'waiting_customer',
    check: (e) => {
      expect(e.notices).toEqual([{ kind: 'waiting_for_you', audience: 'requester' }]);
      expect(e.events).toEqual([{ type: 'status_changed', data: { to: 'waiting_customer' } }]);
    },
  },
  {
    line: '#wait vendor',
    verb: 'wait',
    allowed: ['new', 'reviewing', 'assigned', 'in_progress', 'waiting_customer'],
    after: () => 'waiting_third_party',
    check: (e) => {
      expect(e.notices).toEqual([]);
      expect(e.events).toEqual([{ type: 'status_changed', data: { to: 'waiting_third_party' } }]);
    },
  },
  {
    line: '#escalate customer is losing orders',
    verb: 'escalate',
    allowed: OPEN,
    after: same,
    check: (e) => {
      expect(e.draft.escalated).toBe(true);
      expect(e.draft.tags).toEqual(['vpn', 'escalated']);
      expect(e.notices).toEqual([
        { kind: 'escalated', audience: 'leads', note: 'customer is losing orders' },
        { kind: 'escalated', audience: 'requester' },
      ]);
      expect(e.events).toEqual([{ type: 'escalated', data: { note: 'customer is losing orders' } }]);
    },
  },
  {
    line: '#priority high',
    verb: 'priority',
    allowed: OPEN,
    after: same,
    check: (e) => {
      expect(e.draft.priority).toBe('P2');
      expect(e.events).toEqual([{ type: 'priority_changed', data: { from: 'P3', to: 'P2' } }]);
    },
  },
  {
    line: '#category Billing',
    verb: 'category',
    allowed: ALL,
    after: same,
    check: (e) => {
      expect(e.draft.category).toBe('Billing');
      expect(e.events).toEqual([{ type: 'category_changed', data: { from: null, to: 'Billing' } }]);
    },
  },
  {
    line: '#tag urgent',
    verb: 'tag',
    allowed: ALL,
    after: same,
    check: (e) => {
      expect(e.draft.tags).toEqual(['vpn', 'urgent']);
      expect(e.events).toEqual([{ type: 'tagged', data: { tags: ['urgent'] } }]);
    },
  },
  {
    line: '#kb VPN split-tunnel article',
    verb: 'kb',
    allowed: ALL,
    after: same,
    check: (e) => {
      expect(e.draft.tags).toEqual(['vpn', 'kb']);
      expect(e.events).toEqual([{ type: 'kb_candidate', data: { note: 'VPN split-tunnel article' } }]);
    },
  },
  {
    line: '#untag vpn',
    verb: 'untag',
    allowed: ALL,
    after: same,
    check: (e) => {
      expect(e.draft.tags).toEqual([]);
      expect(e.events).toEqual([{ type: 'untagged', data: { tags: ['vpn'] } }]);
    },
  },
  {
    line: '#note',
    verb: 'note',
    allowed: ALL,
    after: same,
    check: (e) => {
      expect(e.internal).toBe(true);
      expect(e.notices).toEqual([]);
    },
  },
  {
    line: '#resolve restarted the concentrator; added a health check so it cannot recur',
    verb: 'resolve',
    allowed: OPEN,
    after: () => 'resolved',
    check: (e, from) => {
      expect(e.draft.resolution).toBe('restarted the concentrator; added a health check so it cannot recur');
      expect(e.draft.assigneeId).toBe(from === 'new' || from === 'reviewing' ? BOB.id : ANN.id);
      expect(e.notices).toContainEqual({ kind: 'resolved', audience: 'requester', note: 'restarted the concentrator; added a health check so it cannot recur' });
      expect(eventTypes(e)).toEqual(from === 'new' || from === 'reviewing' ? ['assigned', 'resolved'] : ['resolved']);
    },
  },
  {
    line: '#close',
    verb: 'close',
    allowed: [...OPEN, 'resolved'],
    after: () => 'closed',
    check: (e) => {
      expect(e.notices).toEqual([{ kind: 'closed', audience: 'requester' }]);
      expect(e.events).toEqual([{ type: 'closed', data: {} }]);
    },
  },
  {
    line: '#reopen',
    verb: 'reopen',
    allowed: ['resolved', 'closed'],
    after: () => 'assigned',
    check: (e, from) => {
      expect(e.draft.assigneeId).toBe(ANN.id);
      expect(e.events).toEqual([{ type: 'reopened', data: { from, by: 'agent' } }]);
    },
  },
  {
    line: '#merge HD-20',
    verb: 'merge',
    allowed: OPEN,
    after: () => 'closed',
    check: (e) => {
      expect(e.mergeInto).toBe('HD-20');
      expect(e.events).toEqual([{ type: 'merged_into', data: { target: 'HD-20' } }]);
      expect(e.notices).toEqual([{ kind: 'merged', audience: 'requester', note: 'HD-20' }]);
    },
  },
  {
    line: '#approve',
    verb: 'approve',
    allowed: ['new', 'reviewing'],
    after: () => 'reviewing',
    check: (e) => {
      expect(e.draft.approved).toBe(true);
    },
  },
  {
    line: '#project a new reporting module; moved to the Q3 backlog',
    verb: 'project',
    allowed: OPEN,
    after: () => 'closed',
    check: (e) => {
      expect(e.draft.resolution).toBe('project: a new reporting module; moved to the Q3 backlog');
      expect(e.draft.tags).toContain('project');
      expect(e.notices).toEqual([{ kind: 'project', audience: 'requester', note: 'a new reporting module; moved to the Q3 backlog' }]);
    },
  },
  {
    line: '#spam',
    verb: 'spam',
    allowed: [...OPEN, 'resolved'],
    after: () => 'closed',
    check: (e) => {
      expect(e.blockSender).toBe(true);
      expect(e.draft.tags).toContain('spam');
      expect(e.notices).toEqual([]);
      expect(e.events).toEqual([{ type: 'spam', data: { sender: 'carol@customer.test' } }]);
    },
  },
  {
    line: '#bug Export to CSV crashes',
    verb: 'bug',
    allowed: OPEN,
    after: () => 'waiting_third_party',
    check: (e) => {
      expect(e.draft.category).toBe('Bug');
      expect(e.bugs).toEqual([{ summary: 'Export to CSV crashes' }]);
      expect(e.internal).toBe(true);
    },
  },
  {
    line: '#help',
    verb: 'help',
    allowed: ALL,
    after: same,
    check: (e) => {
      expect(e.help).toBe(true);
      expect(e.events).toEqual([]);
    },
  },
];

describe('runCommands: every verb × every status', () => {
  it('the table covers every verb', () => {
    expect(new Set(VERB_TABLE.map((r) => r.verb))).toEqual(new Set(Object.keys(VERBS)));
  });

  const cases = VERB_TABLE.flatMap((row) => ALL.map((status): [string, TicketStatus, boolean, VerbRow] => [row.line, status, row.allowed.includes(status), row]));

  it.each(cases)('%s on a %s ticket (allowed: %s)', (line, status, allowed, row) => {
    const before = ticket(status);
    const { applied, results, effects } = run(before, line);
    expect(results).toHaveLength(1);
    if (allowed) {
      expect(results[0]).toMatchObject({ line, ok: true });
      expect(applied).toBe(true);
      expect(effects.draft.status).toBe(row.after(status));
      row.check(effects, status);
    } else {
      expect(results[0]).toEqual({ line, ok: false, message: `#${row.verb} is not allowed while the ticket is ${human(status)}` });
      expect(applied).toBe(false);
      expect(effects.draft).toEqual(before);
      expect(effects.events).toEqual([]);
      expect(effects.notices).toEqual([]);
    }
  });
});

describe('runCommands: the rules of each verb', () => {
  describe('#assign', () => {
    const who: [string, string, AgentInfo][] = [
      ['me', '#assign me', BOB],
      ['ME, in capitals', '#assign ME', BOB],
      ['myself', '#assign myself', BOB],
      ['nothing (the sender)', '#assign', BOB],
      ['an email', '#assign ann@help.test', ANN],
      ['an email in another case', '#assign Ann@Help.TEST', ANN],
      ['a full name', '#assign Ann Lee', ANN],
      ['a unique first-name prefix', '#assign bea', BEA],
      ['the mailbox name of an email', '#assign ann', ANN],
      ['#mine', '#mine', BOB],
      ['#take', '#take', BOB],
    ];
    it.each(who)('by %s assigns the right agent', (_name, line, agent) => {
      const { applied, effects } = run(ticket('new'), line);
      expect(applied).toBe(true);
      expect(effects.draft.assigneeId).toBe(agent.id);
      expect(effects.draft.status).toBe('assigned');
    });

    it('another agent is told; assigning yourself sends nobody a notice', () => {
      expect(run(ticket('new'), '#assign ann').effects.notices).toEqual([{ kind: 'assigned', audience: 'assignee' }]);
      expect(run(ticket('new'), '#assign me').effects.notices).toEqual([]);
    });

    it('an ambiguous prefix is refused, naming the agents it matches', () => {
      const { applied, results } = run(ticket('new'), '#assign b');
      expect(applied).toBe(false);
      expect(results[0]!.message).toBe('"b" matches several agents: bob@help.test, bea@help.test');
    });

    it('an unknown agent is refused, listing the agents there are', () => {
      const { applied, results } = run(ticket('new'), '#assign zed@help.test');
      expect(applied).toBe(false);
      expect(results[0]!.message).toBe('no agent "zed@help.test"; agents: ann@help.test, bob@help.test, bea@help.test');
    });

    it('assigning the current owner again changes nothing', () => {
      const { applied, results, effects } = run(ticket('assigned'), '#assign ann');
      expect(applied).toBe(true);
      expect(results[0]!.message).toBe('already assigned to ann@help.test');
      expect(effects.events).toEqual([]);
    });

    it('assigning an agent already at the cap still works, but the reply and the history say so', () => {
      const { applied, results, effects } = run(ticket('new'), '#assign bea');
      expect(applied).toBe(true);
      expect(results[0]!.ok).toBe(true);
      expect(effects.draft.assigneeId).toBe(BEA.id);
      expect(effects.warnings).toEqual(['bea@help.test now holds 4 open tickets, above the cap of 3']);
      expect(effects.events).toContainEqual({ type: 'workload_exceeded', data: { agent: 'bea@help.test', openTickets: 4, cap: 3 } });
    });

    it('assigning an agent who is away still works, and the reply and the history say until when', () => {
      const now = new Date('2026-11-23T09:00:00Z');
      const away: AgentInfo = { ...BOB, awayUntil: new Date('2026-12-01T08:00:00Z'), awayNote: 'off until Monday' };
      const env = { ...envFor(ANN), agents: [ANN, away, BEA], now };
      const { applied, results, effects } = run(ticket('new'), '#assign bob', env);
      expect(applied).toBe(true);
      expect(results[0]!.message).toBe('assigned to Bob Smith <bob@help.test>');
      expect(effects.draft.assigneeId).toBe(BOB.id);
      expect(effects.warnings).toEqual(['bob@help.test is away until 2026-12-01T08:00:00.000Z (off until Monday)']);
      expect(effects.events[0]!.data).toMatchObject({ to: 'bob@help.test', awayUntil: '2026-12-01T08:00:00.000Z' });
    });

    it('an away mark that has lapsed is no warning', () => {
      const lapsed: AgentInfo = { ...BOB, awayUntil: new Date('2026-11-20T00:00:00Z'), awayNote: null };
      const { effects } = run(ticket('new'), '#assign bob', { ...envFor(ANN), agents: [ANN, lapsed, BEA], now: new Date('2026-11-23T09:00:00Z') });
      expect(effects.warnings).toEqual([]);
      expect(effects.events[0]!.data).not.toHaveProperty('awayUntil');
    });

    it('reaching the cap exactly is not a warning', () => {
      const { effects } = run(ticket('new'), '#assign ann');
      expect(effects.warnings).toEqual([]);
      expect(eventTypes(effects)).toEqual(['assigned']);
      expect(effects.events[0]!.data).toMatchObject({ openTickets: 3 });
    });

    it('a reassignment records who had it before', () => {
      const { effects } = run(ticket('in_progress'), '#assign bob@help.test');
      expect(effects.events[0]).toEqual({ type: 'assigned', data: { to: 'bob@help.test', from: 'ann@help.test', openTickets: 2 } });
      expect(effects.draft.status).toBe('assigned');
    });
  });

  describe('#resolve', () => {
    it('needs a note saying what would prevent it next time', () => {
      const { applied, results, effects } = run(ticket('in_progress'), '#resolve');
      expect(applied).toBe(false);
      expect(results[0]!.message).toMatch(/^#resolve needs a note: /);
      expect(effects.draft.status).toBe('in_progress');
    });

    it('makes the sender the assignee when nobody owns the ticket', () => {
      const { applied, results, effects } = run(ticket('reviewing'), '#resolve answered from the FAQ; FAQ entry linked in the autoreply');
      expect(applied).toBe(true);
      expect(effects.draft.assigneeId).toBe(BOB.id);
      expect(effects.draft.status).toBe('resolved');
      expect(results[0]!.message).toBe('resolved; assigned to Bob Smith <bob@help.test>');
    });

    it('keeps the owner when someone else owns the ticket', () => {
      const { effects } = run(ticket('in_progress'), '#resolve fixed');
      expect(effects.draft.assigneeId).toBe(ANN.id);
      expect(eventTypes(effects)).toEqual(['resolved']);
    });

    it('an agent at the cap who resolves an unowned ticket gets no workload warning: it is not open any more', () => {
      const { applied, effects } = run(ticket('new'), '#resolve answered; added to the FAQ', envFor(BEA));
      expect(applied).toBe(true);
      expect(effects.draft.assigneeId).toBe(BEA.id);
      expect(effects.draft.status).toBe('resolved');
      expect(effects.warnings).toEqual([]);
      expect(eventTypes(effects)).not.toContain('workload_exceeded');
    });

    it('#solved and #status resolved do the same', () => {
      for (const line of ['#solved patched the config', '#status resolved patched the config', '#STATUS Resolved patched the config']) {
        const { applied, effects } = run(ticket('in_progress'), line);
        expect(applied).toBe(true);
        expect(effects.draft.status).toBe('resolved');
        expect(effects.draft.resolution).toBe('patched the config');
      }
    });
  });

  describe('#release', () => {
    it('needs a hand-off note', () => {
      const { applied, results, effects } = run(ticket('in_progress'), '#release');
      expect(applied).toBe(false);
      expect(results[0]!.message).toMatch(/^#release needs a note: /);
      expect(effects.draft.assigneeId).toBe(ANN.id);
    });

    it('with a note clears the assignee and puts the ticket back in the queue', () => {
      const { applied, effects } = run(ticket('in_progress'), '#release away next week; customer prefers phone');
      expect(applied).toBe(true);
      expect(effects.draft.assigneeId).toBeNull();
      expect(effects.draft.status).toBe('reviewing');
    });
  });

  describe('#escalate', () => {
    it('needs a note', () => {
      const { applied, results } = run(ticket('in_progress'), '#escalate');
      expect(applied).toBe(false);
      expect(results[0]!.message).toMatch(/^#escalate needs a note: /);
    });

    it('marks the ticket escalated and tells the leads and the requester', () => {
      const { effects } = run(ticket('assigned'), '#escalate needs DB access I do not have');
      expect(effects.draft.escalated).toBe(true);
      expect(effects.notices.map((n) => n.audience).sort()).toEqual(['leads', 'requester']);
    });

    it('twice does not tag it twice', () => {
      const { effects } = run(ticket('assigned'), '#escalate one\n#escalate two');
      expect(effects.draft.tags.filter((t) => t === 'escalated')).toHaveLength(1);
    });
  });

  describe('#priority', () => {
    const words: [string, string][] = [
      ['#priority P1', 'P1'],
      ['#priority p2', 'P2'],
      ['#priority P3', 'P3'],
      ['#priority P4', 'P4'],
      ['#priority critical', 'P1'],
      ['#priority Critical', 'P1'],
      ['#priority high', 'P2'],
      ['#priority HIGH', 'P2'],
      ['#priority medium', 'P3'],
      ['#priority low', 'P4'],
      ['#p1', 'P1'],
      ['#P4', 'P4'],
      ['#prio high', 'P2'],
    ];
    it.each(words)('%s sets %s', (line, p) => {
      const { applied, effects } = run(ticket('in_progress'), line);
      expect(applied).toBe(true);
      expect(effects.draft.priority).toBe(p);
    });

    const bogus = ['#priority bogus', '#priority', '#priority P5', '#priority constructor', '#priority toString'];
    it.each(bogus)('%s is refused and the priority stays', (line) => {
      const { applied, results, effects } = run(ticket('in_progress'), line);
      expect(applied).toBe(false);
      expect(results[0]!.message).toMatch(/^#priority needs P1\.\.P4 or critical, high, medium, low/);
      expect(effects.draft.priority).toBe('P3');
    });
  });

  describe('#tag and #untag', () => {
    it('#tag adds several tags, lower-cased, without duplicates', () => {
      const { effects } = run(ticket('new'), '#tag Urgent, billing #VIP vpn');
      expect(effects.draft.tags).toEqual(['vpn', 'urgent', 'billing', 'vip']);
      expect(effects.events).toEqual([{ type: 'tagged', data: { tags: ['urgent', 'billing', 'vip'] } }]);
    });

    it('#tag with nothing to add is refused', () => {
      expect(run(ticket('new'), '#tag').results[0]).toMatchObject({ ok: false, message: '#tag needs at least one tag' });
    });

    it('#untag removes tags in any case, and says when there was no such tag', () => {
      expect(run(ticket('new'), '#untag VPN').effects.draft.tags).toEqual([]);
      const missing = run(ticket('new'), '#untag printer');
      expect(missing.applied).toBe(true);
      expect(missing.results[0]!.message).toBe('no such tag: printer');
      expect(missing.effects.events).toEqual([]);
    });
  });

  describe('#note', () => {
    it('keeps the text internal and records a note given on the line', () => {
      const { effects } = run(ticket('in_progress'), '#note customer is a reseller');
      expect(effects.internal).toBe(true);
      expect(effects.events).toEqual([{ type: 'note_added', data: { note: 'customer is a reseller' } }]);
    });

    it('without #note the text is for the customer', () => {
      expect(run(ticket('in_progress'), '#priority high').effects.internal).toBe(false);
    });
  });

  describe('#merge', () => {
    const good: [string, string][] = [
      ['#merge HD-20', 'HD-20'],
      ['#merge hd-20', 'HD-20'],
      ['#merge [HD-20]', 'HD-20'],
      ['#merge HD-22', 'HD-22'],
    ];
    it.each(good)('%s merges into %s (an open or resolved target)', (line, ref) => {
      const { applied, effects } = run(ticket('in_progress'), line);
      expect(applied).toBe(true);
      expect(effects.mergeInto).toBe(ref);
      expect(effects.draft.status).toBe('closed');
    });

    const bad: [string, string, string][] = [
      ['no reference', '#merge', '#merge needs the reference of the ticket to merge into, e.g. #merge HD-12'],
      ['the ticket itself', '#merge HD-10', '#merge cannot merge a ticket into itself'],
      ['an unknown ticket', '#merge HD-99', '#merge: no ticket HD-99'],
      ['a closed ticket', '#merge HD-21', '#merge: HD-21 is closed; reopen it first'],
    ];
    it.each(bad)('into %s is refused', (_name, line, why) => {
      const { applied, results, effects } = run(ticket('in_progress'), line);
      expect(applied).toBe(false);
      expect(results[0]!.message).toBe(why);
      expect(effects.mergeInto).toBeUndefined();
      expect(effects.draft.status).toBe('in_progress');
    });
  });

  describe('#project', () => {
    it('needs a reason', () => {
      const { applied, results } = run(ticket('new'), '#project');
      expect(applied).toBe(false);
      expect(results[0]!.message).toMatch(/^#project needs a note: /);
    });

    it('closes the ticket as project work with its reason, and the customer is told', () => {
      const { effects } = run(ticket('new'), '#project needs a new integration');
      expect(effects.draft.status).toBe('closed');
      expect(effects.draft.resolution).toBe('project: needs a new integration');
      expect(effects.notices).toEqual([{ kind: 'project', audience: 'requester', note: 'needs a new integration' }]);
    });
  });

  describe('#spam', () => {
    it('closes the ticket silently and blocks the sender', () => {
      const { effects, results } = run(ticket('new'), '#spam');
      expect(effects.draft.status).toBe('closed');
      expect(effects.blockSender).toBe(true);
      expect(effects.notices).toEqual([]);
      expect(results[0]!.message).toContain('carol@customer.test');
    });
  });

  describe('#wait', () => {
    const targets: [string, TicketStatus][] = [
      ['#wait customer', 'waiting_customer'],
      ['#wait Customer', 'waiting_customer'],
      ['#wait requester', 'waiting_customer'],
      ['#pending', 'waiting_customer'],
      ['#status pending', 'waiting_customer'],
      ['#wait vendor', 'waiting_third_party'],
      ['#wait VENDOR until Monday', 'waiting_third_party'],
      ['#wait third-party', 'waiting_third_party'],
      ['#wait supplier', 'waiting_third_party'],
    ];
    it.each(targets)('%s leaves the ticket %s', (line, status) => {
      const { applied, effects } = run(ticket('in_progress'), line);
      expect(applied).toBe(true);
      expect(effects.draft.status).toBe(status);
    });

    it.each(['#wait', '#wait godot'])('%s is refused: customer or vendor', (line) => {
      const { applied, results } = run(ticket('in_progress'), line);
      expect(applied).toBe(false);
      expect(results[0]!.message).toBe('#wait needs "customer" or "vendor"');
    });
  });

  describe('#help, #category, #approve, #reopen', () => {
    it('#help and #? ask for the help reply and change nothing', () => {
      for (const line of ['#help', '#?']) {
        const { applied, effects } = run(ticket('in_progress'), line);
        expect(applied).toBe(true);
        expect(effects.help).toBe(true);
        expect(effects.draft).toEqual(ticket('in_progress'));
      }
    });

    it('#category needs a name', () => {
      expect(run(ticket('new'), '#category').results[0]).toMatchObject({ ok: false, message: '#category needs a name' });
    });

    it('#approve on a new ticket marks it approved and reviewing; a second approve is harmless', () => {
      const { effects, results } = run(ticket('new'), '#approve\n#approve');
      expect(effects.draft).toMatchObject({ approved: true, status: 'reviewing' });
      expect(results.map((r) => r.message)).toEqual(['approved as support work', 'already approved']);
      expect(eventTypes(effects)).toEqual(['approved']);
    });

    it('#reopen on a closed ticket nobody owns makes the reopener its owner (contract: back to assigned)', () => {
      const { effects } = run(ticket('closed', { assigneeId: null }), '#reopen');
      expect(effects.draft.status).toBe('assigned');
      expect(effects.draft.assigneeId).not.toBeNull();
      expect(effects.events.map((e) => e.type)).toEqual(['assigned', 'reopened']);
    });
  });
});

describe('runCommands: a mail applies all its commands or none', () => {
  it('one good and one bad command: nothing is applied, and each line says what happened', () => {
    const before = ticket('in_progress');
    const snapshot = structuredClone(before);
    const { applied, results } = run(before, 'Hello Carol,\n#priority high\n#resolve\nBob');
    expect(applied).toBe(false);
    expect(results).toEqual([
      { line: '#priority high', ok: true, message: 'priority P2' },
      { line: '#resolve', ok: false, message: expect.stringMatching(/^#resolve needs a note: /) },
    ]);
    expect(before).toEqual(snapshot);
  });

  it('an unknown verb among good ones refuses the mail, with the nearest verb', () => {
    const { applied, results } = run(ticket('new'), '#assign me\n#asign ann\n#start');
    expect(applied).toBe(false);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]!.message).toBe('unknown command #asign; did you mean #assign?');
  });

  it('an unknown agent refuses the whole mail, including a valid resolve', () => {
    const { applied, results } = run(ticket('new'), '#assign zed\n#resolve fixed it');
    expect(applied).toBe(false);
    expect(results.map((r) => [r.line, r.ok])).toEqual([
      ['#assign zed', false],
      ['#resolve fixed it', true],
    ]);
  });

  it('the input ticket is never changed, whether or not the mail applies', () => {
    const before = ticket('new');
    const snapshot = structuredClone(before);
    const ok = run(before, '#assign bea\n#tag vip\n#priority critical\n#start');
    expect(ok.applied).toBe(true);
    expect(before).toEqual(snapshot);
  });

  it('commands apply in order, each seeing the previous one', () => {
    const { applied, effects } = run(ticket('new'), '#approve\n#assign bea\n#start\n#priority critical\n#wait customer');
    expect(applied).toBe(true);
    expect(effects.draft).toMatchObject({ status: 'waiting_customer', assigneeId: BEA.id, priority: 'P1', approved: true });
    expect(eventTypes(effects)).toEqual(['approved', 'assigned', 'workload_exceeded', 'status_changed', 'priority_changed', 'status_changed']);
  });

  it('a refused transition after an allowed one is reported against the state the mail has reached', () => {
    const { applied, results } = run(ticket('in_progress'), '#close\n#resolve too late');
    expect(applied).toBe(false);
    expect(results[1]).toEqual({ line: '#resolve too late', ok: false, message: '#resolve is not allowed while the ticket is closed' });
  });

  it('a mail without commands applies (nothing) and is just a reply', () => {
    const { applied, results, effects } = run(ticket('in_progress'), 'Hello Carol,\nplease retry.\nBob');
    expect(applied).toBe(true);
    expect(results).toEqual([]);
    expect(effects.draft).toEqual(ticket('in_progress'));
  });

  const oddWords = ['#constructor', '#status constructor', '#hasOwnProperty', '#valueOf'];
  it.each(oddWords)('%s is an unknown command, refused with a reason, not a crash', (line) => {
    let outcome: ReturnType<typeof run> | undefined;
    expect(() => {
      outcome = run(ticket('in_progress'), line);
    }).not.toThrow();
    expect(outcome?.applied).toBe(false);
    expect(outcome?.results[0]?.ok).toBe(false);
    expect(outcome?.results[0]?.message).toMatch(/unknown (command|status)/);
  });
});
