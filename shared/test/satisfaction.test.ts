import { parseSurveyReply, surveyMenu, surveyText, SURVEY_OPTIONS } from '../src/satisfaction';

describe('reading a client reply to the satisfaction survey', () => {
  it('takes a score with an optional comment, a tapped option or a label', () => {
    expect(parseSurveyReply('5')).toEqual({ score: 5, comment: '' });
    expect(parseSurveyReply('４分 顾问很耐心')).toEqual({ score: 4, comment: '顾问很耐心' });
    expect(parseSurveyReply('2、回复太慢了')).toEqual({ score: 2, comment: '回复太慢了' });
    expect(parseSurveyReply('5 非常满意')).toEqual({ score: 5, comment: '' });
    expect(parseSurveyReply('3. 一般，等太久')).toEqual({ score: 3, comment: '等太久' });
    expect(parseSurveyReply('非常不满意')).toEqual({ score: 1, comment: '' });
    expect(parseSurveyReply('anything', 'survey_3')).toEqual({ score: 3, comment: '' });
  });

  it('leaves anything else to the bot', () => {
    for (const text of ['交易时间是几点', '6', '10', '1.5倍杠杆怎么算', '0', '']) expect(parseSurveyReply(text)).toBeNull();
    expect(parseSurveyReply('你好', 'm_1')).toBeNull();
  });

  it('lists the options by number (mini-program) and as menu items (WeCom)', () => {
    const text = surveyText();
    for (const o of SURVEY_OPTIONS) expect(text).toContain(`${o.score}. ${o.label}`);
    expect(surveyMenu().map((m) => m.id)).toEqual(['survey_5', 'survey_4', 'survey_3', 'survey_2', 'survey_1']);
    // A tapped item's text (its label) reads as the same score.
    for (const item of surveyMenu()) expect(parseSurveyReply(item.label)?.score).toBe(Number(item.id.slice(-1)));
  });
});
