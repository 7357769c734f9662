/** Shapes of the action responses the pages read (see src/api/actions/ and the SDK's live_models.d.ts). */

export interface DomainInfo {
  Name: string;
  /** 0 push, 1 play */
  Type: number;
  /** 0 forbidden, 1 enabled */
  Status: number;
  CreateTime: string;
  PlayType: number;
}

export interface CallbackTemplate {
  TemplateId: number;
  TemplateName: string;
  Description: string;
  StreamBeginNotifyUrl: string;
  StreamEndNotifyUrl: string;
  RecordNotifyUrl: string;
  RecordStatusNotifyUrl: string;
  SnapshotNotifyUrl: string;
  PornCensorshipNotifyUrl: string;
  PushExceptionNotifyUrl: string;
  AudioAuditNotifyUrl: string;
  RecordExceptionNotifyUrl: string;
  CallbackKey: string;
}

/** A callback, recording or screenshot rule (the media ones also have StreamName). */
export interface Rule {
  DomainName: string;
  AppName: string;
  StreamName?: string;
  TemplateId: number;
  CreateTime: string;
}

export interface MediaTemplate {
  TemplateId: number;
  TemplateName: string;
  Description: string;
}

export interface AttemptInfo {
  Attempt: number;
  Time: string;
  StatusCode: number;
  LatencyMs: number;
  ErrorKind: string;
  ResponseExcerpt: string;
}

export interface EventInfo {
  EventId: string;
  EventType: number;
  DomainName: string;
  AppName: string;
  StreamName: string;
  TemplateId: number;
  Url: string;
  Status: string;
  Attempts: number;
  CreateTime: string;
  FinishTime: string;
  Payload: string;
  AttemptList: AttemptInfo[];
}

export interface OnlineStream {
  StreamName: string;
  AppName: string;
  DomainName: string;
  PublishTimeList: { PublishTime: string }[];
  /** livehook extension: the instance that holds the publisher. */
  LivehookInstanceId: string;
}

export interface ForbiddenStream {
  StreamName: string;
  AppName: string;
  DomainName: string;
  ExpireTime: string;
  Reason: string;
}

export interface ModerationResult {
  Id: number;
  DomainName: string;
  AppName: string;
  StreamName: string;
  PicUrl: string;
  PicFullUrl: string;
  Suggestion: string;
  Label: string;
  SubLabel: string;
  Score: number;
  ScreenshotTime: string;
}

export interface PushAuthKeyInfo {
  DomainName: string;
  Enable: number;
  MasterAuthKey: string;
  BackupAuthKey: string;
  AuthDelta: number;
}

/** Event types livehook emits, with the names Tencent's docs use. */
export const EVENT_TYPES: readonly { code: number; name: string }[] = [
  { code: 1, name: 'Stream push started' },
  { code: 0, name: 'Stream push ended' },
  { code: 100, name: 'Recording file' },
  { code: 200, name: 'Screenshot' },
  { code: 317, name: 'Porn detection' },
];

export const eventTypeName = (code: number): string => EVENT_TYPES.find((t) => t.code === code)?.name ?? `Event ${code}`;
