/** Types for node-media-server 4.4.3's AMF0 decoder (the package ships none): script data of a push. */
declare module 'node-media-server/src/protocol/amf.js' {
  interface Amf0Data {
    /** `@setDataFrame` (RTMP publishers) or `onMetaData` (FLV files). */
    cmd?: string;
    method?: string;
    dataObj?: Record<string, unknown> | null;
  }
  export function decodeAmf0Data(data: Buffer): Amf0Data;
}
