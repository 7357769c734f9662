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
  RecordExceptionLevels: string[];
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

/** One entry of DescribeCallbackEventTypes: livehook's event registry (src/events/registry.ts). */
export interface EventTypeInfo {
  EventType: number;
  Name: string;
  TemplateField: keyof CallbackTemplate & `${string}NotifyUrl`;
  FieldLabel: string;
  /** sent, or never (livehook cannot produce it). */
  Delivery: 'sent' | 'never';
  /** Why it is not sent; '' when it is. */
  Note: string;
  HasSample: boolean;
  RetryCount: number;
  RetryIntervalSeconds: number;
}
