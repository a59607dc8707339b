-- 0005-workbench: placeholder so the numbering has no gap while this migration is being written (not landed; its owner replaces this file).
select 1;
