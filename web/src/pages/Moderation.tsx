/**
 * Moderation: flagged screenshots with label, score and suggestion, from DescribeModerationResults
 * (StartTime/EndTime in Beijing time, DomainName, StreamName, paging).
 */
import { useState, type FormEvent } from 'react';
import { Pager } from '../components/pager';
import { RangeFields, toParams } from '../components/range-fields';
import { Loaded } from '../components/states';
import type { ModerationResult } from '../types';
import { useAction } from '../use-action';

const PAGE_SIZE = 20;

export function Moderation() {
  const [draft, setDraft] = useState({ StartTime: '', EndTime: '', DomainName: '', StreamName: '' });
  const [filters, setFilters] = useState(draft);
  const [page, setPage] = useState(1);
  const results = useAction<{ TotalNum: number; ResultList: ModerationResult[] }>('DescribeModerationResults', {
    ...toParams(filters),
    PageNum: page,
    PageSize: PAGE_SIZE,
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setPage(1);
    // Search also refreshes when the filters are unchanged (new flagged frames keep arriving);
    // if they did change, this answer is dropped for the one with the new filters.
    void results.reload();
  };

  return (
    <section>
      <h1>Moderation</h1>
      <form className="filters" onSubmit={apply} aria-label="Filter moderation results">
        <RangeFields values={draft} onChange={setDraft} />
        <div className="actions">
          <button type="submit" className="primary">
            Search
          </button>
        </div>
      </form>
      <Loaded state={results} isEmpty={(d) => d.ResultList.length === 0} empty="No flagged screenshots.">
        {(d) => (
          <>
            <div className="gallery">
              {d.ResultList.map((r) => (
                <figure key={r.Id} className="card shot">
                  <a href={r.PicFullUrl || r.PicUrl} target="_blank" rel="noreferrer">
                    <img src={r.PicUrl} alt={`Screenshot of ${r.StreamName} at ${r.ScreenshotTime}`} loading="lazy" />
                  </a>
                  <figcaption>
                    <strong className={r.Suggestion === 'Block' ? 'bad' : ''}>{r.Suggestion}</strong> · {r.Label}
                    {r.SubLabel && ` / ${r.SubLabel}`} · score {r.Score}
                    <br />
                    <span className="muted">
                      {r.DomainName}/{r.AppName}/{r.StreamName} · {r.ScreenshotTime}
                    </span>
                  </figcaption>
                </figure>
              ))}
            </div>
            <Pager page={page} pageSize={PAGE_SIZE} total={d.TotalNum} onPage={setPage} />
          </>
        )}
      </Loaded>
    </section>
  );
}
