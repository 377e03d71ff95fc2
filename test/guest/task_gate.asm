; Hardware task switches: INT through a task gate and IRET back (NT, back
; link, busy bits, TR, CR0.TS), JMP to a TSS and back (busy bits move, no
; NT), CALL to a TSS, and a double fault (#GP while its gate is not
; present -> #NP during delivery -> #DF) handled by a task gate with its
; error code pushed on the new task's stack; a TSS with its T bit set
; raises #DB in the new task before its first instruction (DR6.BT).
%include "pm_common.inc"
T1_RUNS  equ VARS+0x40
T1_FLAGS equ VARS+0x44
T1_TR    equ VARS+0x48
T1_LINK  equ VARS+0x4C
T1_CR0   equ VARS+0x50
T1_MODE  equ VARS+0x54
DF_ESP   equ VARS+0x58
DF_ERR   equ VARS+0x5C
DF_LINK  equ VARS+0x60
DB_SEEN  equ VARS+0x64

; Fills a 32-bit TSS at %1 to start at %2 with stack %3, flat ring 0.
%macro INIT_TSS 3
	mov dword [%1+0x20], BASE+%2
	mov dword [%1+0x24], 2
	mov dword [%1+0x38], %3
	mov dword [%1+0x48], SEL_DATA0
	mov dword [%1+0x4C], SEL_CODE0
	mov dword [%1+0x50], SEL_DATA0
	mov dword [%1+0x54], SEL_DATA0
	mov dword [%1+0x58], SEL_DATA0
	mov dword [%1+0x5C], SEL_DATA0
	mov word [%1+0x66], 0x68
%endmacro

; Checks the type byte of GDT entry %1 == %2, else fails with %3.
%macro EXPECT_TYPE 3
	movzx eax, byte [GDT+%1+5]
	EXPECT %2, %3
%endmacro

main:
	INIT_TSS TSS1, task1, 0x60000
	INIT_TSS TSS2, df_task, 0x50000
	mov dword [IDT+0x41*8], SEL_TSS1 << 16
	mov dword [IDT+0x41*8+4], 0x8500
	mov dword [IDT+8*8], SEL_TSS2 << 16
	mov dword [IDT+8*8+4], 0x8500
	mov dword [T1_RUNS], 0
	mov dword [T1_MODE], 0

	; 1. INT 0x41 -> task gate -> task1, which IRETs back.
	mov ebx, 0xCAFEBABE
	int 0x41
	mov eax, ebx
	EXPECT 0xCAFEBABE, 1
	mov eax, [T1_RUNS]
	EXPECT 1, 2
	mov eax, [T1_FLAGS]
	and eax, 0x4000
	EXPECT 0x4000, 3           ; NT set in the called task
	mov eax, [T1_TR]
	EXPECT SEL_TSS1, 4
	mov eax, [T1_LINK]
	EXPECT SEL_TSS0, 5
	mov eax, [T1_CR0]
	and eax, 8
	EXPECT 8, 6                ; CR0.TS set by the switch
	str ax
	movzx eax, ax
	EXPECT SEL_TSS0, 7
	EXPECT_TYPE SEL_TSS1, 0x89, 8
	EXPECT_TYPE SEL_TSS0, 0x8B, 9
	pushfd
	pop eax
	and eax, 0x4000
	EXPECT 0, 10
	clts

	; 2. JMP to TSS1; task1 JMPs back.
	mov dword [T1_MODE], 1
	jmp SEL_TSS1:0
	mov eax, [T1_RUNS]
	EXPECT 2, 11
	mov eax, [T1_FLAGS]
	and eax, 0x4000
	EXPECT 0, 12               ; JMP does not nest
	EXPECT_TYPE SEL_TSS1, 0x89, 13
	EXPECT_TYPE SEL_TSS0, 0x8B, 14
	str ax
	movzx eax, ax
	EXPECT SEL_TSS0, 15

	; 3. CALL to TSS1; task1 IRETs back.
	mov dword [T1_MODE], 0
	call SEL_TSS1:0
	mov eax, [T1_RUNS]
	EXPECT 3, 16
	mov eax, [T1_FLAGS]
	and eax, 0x4000
	EXPECT 0x4000, 17
	mov eax, [T1_LINK]
	EXPECT SEL_TSS0, 18
	EXPECT_TYPE SEL_TSS1, 0x89, 19

	; A busy TSS cannot be jumped to: #GP(sel).
	ON_EXC .busy
	jmp SEL_TSS0:0
	mov al, 20
	jmp fail
.busy:	EXPECT_EXC 13, SEL_TSS0, 21

	; 4. Double fault through a task gate.
	and word [IDT+13*8+4], 0x7FFF
	mov dword [DF_ERR], 0x55
	mov ax, SEL_CODE0
.dfault:
	mov ss, ax                 ; #GP -> #NP (gate) -> #DF
	mov al, 22
	jmp fail
.df_done:
	or word [IDT+13*8+4], 0x8000
	mov eax, [DF_ERR]
	EXPECT 0, 23
	mov eax, [DF_LINK]
	EXPECT SEL_TSS0, 24
	mov eax, [DF_ESP]
	EXPECT 0x50000-4, 25
	mov eax, [TSS2+0x20]       ; df_task's saved EIP: after its IRET
	EXPECT BASE+df_task.again, 26
	str ax
	movzx eax, ax
	EXPECT SEL_TSS0, 27
	clts

	; 5. T bit: CALL to TSS1 traps with #DB at task1's resume point.
	mov byte [TSS1+0x64], 1
	mov dword [DB_SEEN], 0
	ON_EXC .db
	call SEL_TSS1:0
	mov eax, [DB_SEEN]
	EXPECT 1, 32
	clts
	jmp pass
.db:	EXPECT_EXC 1, -1, 28
	mov eax, [LAST_EIP]
	EXPECT BASE+task1.resume, 29
	str ax
	movzx eax, ax
	EXPECT SEL_TSS1, 30
	mov eax, dr6
	and eax, 0x8000
	EXPECT 0x8000, 31
	mov byte [TSS1+0x64], 0
	mov dword [DB_SEEN], 1
	pushfd                     ; return to task 0 through the back link
	or dword [esp], 0x4000
	popfd
	iret

task1:
	inc dword [T1_RUNS]
	pushfd
	pop dword [T1_FLAGS]
	str ax
	movzx eax, ax
	mov [T1_TR], eax
	movzx eax, word [TSS1]
	mov [T1_LINK], eax
	mov eax, cr0
	mov [T1_CR0], eax
	cmp dword [T1_MODE], 1
	je .jmpback
	iret
.resume:
	jmp task1
.jmpback:
	jmp SEL_TSS0:0
	jmp task1

df_task:
	mov [DF_ESP], esp
	pop dword [DF_ERR]
	movzx eax, word [TSS2]
	mov [DF_LINK], eax
	mov dword [TSS0+0x20], BASE+main.df_done
	iret
.again:	jmp df_task
%include "pm_tail.inc"
